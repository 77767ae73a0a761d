-- A persona version is the whole persona: its settings (what the code enforces) and its voice text.
-- The rendered system prompt is no longer stored. The old single text is kept as "legacyText" until
-- src/storage/convert-legacy-personas.ts (run by every migrate) converts it, then set to null.

-- AlterTable
ALTER TABLE "PersonaVersion" RENAME COLUMN "systemPrompt" TO "legacyText";
ALTER TABLE "PersonaVersion" ALTER COLUMN "legacyText" DROP NOT NULL;
ALTER TABLE "PersonaVersion" ADD COLUMN     "voice" TEXT,
ADD COLUMN     "origin" JSONB NOT NULL DEFAULT '{}',
ADD COLUMN     "draftReason" TEXT;

-- json, not jsonb: jsonb sorts object keys, and the order of a persona's facts is the owner's.
ALTER TABLE "PersonaVersion" ALTER COLUMN "settings" SET DATA TYPE JSON USING "settings"::json;
ALTER TABLE "PersonaVersion" ALTER COLUMN "settings" SET DEFAULT '{}';
