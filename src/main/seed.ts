import path from "node:path";
import { parseArgs } from "node:util";
import { loadConfig } from "../config/index.js";
import { InputError } from "../domain/errors.js";
import { readPersonaFile } from "../domain/personas/persona-file.js";
import { DEFAULT_PERSONA_TEMPLATE, loadPersonaTemplate, type PersonaTemplate } from "../domain/personas/persona-templates.js";
import { createDb } from "../adapters/storage/create-db.js";
import { seedBusiness } from "../adapters/storage/seed-business.js";
import { runMain } from "./run-main.js";

/**
 * `npm run seed -- --slug my-bakery --persona support-bakery` (a name in prompts/) or
 * `--persona path/to/my-shop.md` (any persona file): creates (or updates) a business with a web
 * chat channel named after the slug and that persona, in DATABASE_URL.
 */
runMain(async (onShutdown) => {
  const { values } = parseArgs({ options: { slug: { type: "string" }, persona: { type: "string", default: DEFAULT_PERSONA_TEMPLATE } } });
  if (!values.slug || !/^[a-z0-9-]{2,60}$/.test(values.slug))
    throw new InputError("USAGE", "--slug is required: 2-60 lower-case letters, digits or -");
  const config = loadConfig("cli");
  if (!config.databaseUrl) throw new InputError("USAGE", "DATABASE_URL is required (npm run demo seeds its own embedded database)");
  const persona = await personaArg(values.persona!);
  const db = createDb(config.databaseUrl);
  onShutdown(() => db.$disconnect());
  const seeded = await seedBusiness(db, persona, values.slug);
  process.stdout.write(
    `business ${values.slug}: persona ${persona.persona.settings.name} version ${seeded.personaVersion}; web chat at /chat/${seeded.channelKey}\n`,
  );
  return "exit";
});

async function personaArg(value: string): Promise<PersonaTemplate> {
  if (!value.endsWith(".md")) return loadPersonaTemplate(value);
  return { template: path.basename(value, ".md"), persona: await readPersonaFile(value) };
}
