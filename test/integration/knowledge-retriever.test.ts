import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { KnowledgeRetriever, DEFAULT_RETRIEVER } from "../../src/app/knowledge/knowledge-retriever.js";
import { loadPersonaTemplate } from "../../src/domain/personas/persona-templates.js";
import { KnowledgeRepository } from "../../src/adapters/storage/turn/knowledge-repository.js";
import { seedBusiness } from "../../src/adapters/storage/seed-business.js";
import { createTestDatabase, type TestDatabase } from "../../test-kit/test-database.js";

// The worker's retriever over the real repository: an index per business, rebuilt only when
// that business's entries change, and never one business's passages for another.
class CountingRepository extends KnowledgeRepository {
  loads: string[] = [];
  override entries(businessId: string) {
    this.loads.push(businessId);
    return super.entries(businessId);
  }
}

let database: TestDatabase;
let repository: CountingRepository;
let a: string;
let b: string;

beforeAll(async () => {
  database = await createTestDatabase();
  const persona = await loadPersonaTemplate("support-bakery");
  a = (await seedBusiness(database.db, persona, "shop-a")).businessId;
  b = (await seedBusiness(database.db, persona, "shop-b")).businessId;
  repository = new CountingRepository(database.db);
  await database.db.knowledgeEntry.createMany({
    data: [
      { businessId: a, kind: "faq", title: "Do you deliver?", body: "Within 5 km." },
      { businessId: b, kind: "faq", title: "Do you deliver?", body: "Only on Fridays." },
    ],
  });
});

afterAll(async () => database?.drop());

describe("KnowledgeRetriever", () => {
  it("answers each business from its own entries, and loads them once while nothing changes", async () => {
    const retriever = new KnowledgeRetriever(repository);
    for (let i = 0; i < 3; i++) {
      expect((await retriever.retrieve(a, "delivery?")).passages.map((p) => p.passage.text)).toEqual(["Within 5 km."]);
      expect((await retriever.retrieve(b, "delivery?")).passages.map((p) => p.passage.text)).toEqual(["Only on Fridays."]);
    }
    expect(repository.loads.sort()).toEqual([a, b].sort());
  });

  it("rebuilds a business's index after an edit, an addition or a deletion, and only that business's", async () => {
    const retriever = new KnowledgeRetriever(repository);
    await retriever.retrieve(a, "delivery?");
    await retriever.retrieve(b, "delivery?");
    repository.loads = [];
    const entry = await database.db.knowledgeEntry.findFirstOrThrow({ where: { businessId: a } });
    await database.db.knowledgeEntry.update({ where: { id: entry.id }, data: { body: "Within 8 km now.", updatedAt: new Date() } });
    expect((await retriever.retrieve(a, "delivery?")).passages[0]!.passage.text).toBe("Within 8 km now.");
    await database.db.knowledgeEntry.create({ data: { businessId: a, kind: "faq", title: "Parking?", body: "Calle Mayor." } });
    expect((await retriever.retrieve(a, "parking")).passages[0]!.passage.text).toBe("Calle Mayor.");
    await database.db.knowledgeEntry.deleteMany({ where: { businessId: a, title: "Parking?" } });
    expect((await retriever.retrieve(a, "parking")).passages).toEqual([]);
    await retriever.retrieve(b, "delivery?");
    expect(repository.loads).toEqual([a, a, a]);
  });

  it("says when a business has no knowledge, without loading entries", async () => {
    const empty = (await seedBusiness(database.db, await loadPersonaTemplate("support-bakery"), "shop-c")).businessId;
    repository.loads = [];
    expect(await new KnowledgeRetriever(repository).retrieve(empty, "delivery?")).toEqual({ hasKnowledge: false, passages: [] });
    expect(repository.loads).toEqual([]);
  });

  it("keeps at most cacheSize businesses, dropping the least recently used", async () => {
    const retriever = new KnowledgeRetriever(repository, { ...DEFAULT_RETRIEVER, cacheSize: 1 });
    repository.loads = [];
    await retriever.retrieve(a, "delivery?");
    await retriever.retrieve(a, "delivery?");
    await retriever.retrieve(b, "delivery?");
    await retriever.retrieve(a, "delivery?");
    expect(repository.loads).toEqual([a, b, a]);
  });
});
