import { parseArgs } from "node:util";
import { issueApiKey } from "../app/admin/issue-api-key.js";
import { loadConfig } from "../config/index.js";
import { InputError } from "../domain/errors.js";
import { ApiKeyRepository } from "../adapters/storage/admin/api-key-repository.js";
import { createDb } from "../adapters/storage/create-db.js";
import { runMain } from "./run-main.js";

const USAGE = 'usage: npm run api-key:create -- (--owner | --business <slug>) [--name "<label>"]';

/**
 * `npm run api-key:create -- --business corner-bakery --name "shop laptop"` (or `--owner` for a
 * key that sees every business). Prints the key once on standard output; only its hash is stored.
 */
runMain(async (onShutdown) => {
  const { values } = parseArgs({ options: { owner: { type: "boolean", default: false }, business: { type: "string" }, name: { type: "string" } } });
  if (values.owner === Boolean(values.business)) throw new InputError("USAGE", `${USAGE}\n  give exactly one of --owner and --business`);
  const name = (values.name ?? (values.owner ? "owner" : `${values.business} key`)).trim();
  if (!name || name.length > 100) throw new InputError("USAGE", "--name must be 1-100 characters");
  const config = loadConfig("cli");
  if (!config.databaseUrl) throw new InputError("USAGE", "DATABASE_URL is required");
  const db = createDb(config.databaseUrl);
  onShutdown(() => db.$disconnect());
  let businessId: string | null = null;
  if (values.business) {
    const business = await db.business.findUnique({ where: { slug: values.business }, select: { id: true } });
    if (!business) throw new InputError("UNKNOWN_BUSINESS", `no business ${values.business} (create one with npm run seed)`);
    businessId = business.id;
  }
  const issued = await issueApiKey(new ApiKeyRepository(db), { businessId, name });
  process.stderr.write(
    `${values.owner ? "owner key (every business)" : `key for ${values.business}`} "${name}", id ${issued.record.id}.\n` +
      "Store it now: it is shown only once. Revoke it with DELETE /api/admin/api-keys/<id>.\n",
  );
  process.stdout.write(`${issued.key}\n`);
  return "exit";
});
