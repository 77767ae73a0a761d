import { parseArgs } from "node:util";
import { loadConfig } from "../config/index.js";
import { InputError } from "../domain/errors.js";
import { loadPersonaTemplate } from "../personas/load-persona-template.js";
import { createDb } from "../storage/create-db.js";
import { seedBusiness } from "../storage/seed-business.js";
import { runMain } from "./run-main.js";

/**
 * `npm run seed -- --slug my-bakery --persona bakery`: creates (or updates) a business with a web
 * chat channel named after the slug and a persona from prompts/<persona>.md, in DATABASE_URL.
 */
runMain(async (onShutdown) => {
  const { values } = parseArgs({ options: { slug: { type: "string" }, persona: { type: "string", default: "bakery" } } });
  if (!values.slug || !/^[a-z0-9-]{2,60}$/.test(values.slug)) throw new InputError("USAGE", "--slug is required: 2-60 lower-case letters, digits or -");
  const config = loadConfig("cli");
  if (!config.databaseUrl) throw new InputError("USAGE", "DATABASE_URL is required (npm run demo seeds its own embedded database)");
  const db = createDb(config.databaseUrl);
  onShutdown(() => db.$disconnect());
  const persona = await loadPersonaTemplate(values.persona!);
  const seeded = await seedBusiness(db, persona, values.slug);
  process.stdout.write(`business ${values.slug}: persona ${persona.meta.name} version ${seeded.personaVersion}; web chat at /chat/${seeded.channelKey}\n`);
  return "exit";
});
