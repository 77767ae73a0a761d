// Prisma CLI configuration. The WebAssembly schema engine runs migrations through the pg driver
// adapter, so neither `generate` nor `migrate deploy` downloads an engine (see README).
// Use `npm run db:migrate`, which sets DATABASE_URL (or starts the embedded database).
import path from "node:path";
import { PrismaPg } from "@prisma/adapter-pg";
import type { PrismaConfig } from "prisma";

// `prisma generate` never connects, but when DATABASE_URL is unset it tries to download a native
// engine; this placeholder keeps it offline. Commands that connect fail on it with a clear error.
process.env.DATABASE_URL ||= "postgresql://DATABASE_URL-is-not-set@127.0.0.1:1/unset";

export default {
  experimental: { adapter: true },
  engine: "js",
  schema: path.join("prisma", "schema.prisma"),
  migrations: { path: path.join("prisma", "migrations") },
  async adapter() {
    return new PrismaPg({ connectionString: process.env.DATABASE_URL, max: 1 });
  },
} satisfies PrismaConfig;
