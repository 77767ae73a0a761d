-- Console sign-in that stays (issue #15): an API key is exchanged once for a session cookie.
-- Only a SHA-256 of the cookies random token is stored. A session belongs to the key that opened
-- it: deleting the key deletes its sessions, and revoking it refuses them (checked on every use).
CREATE TABLE "ConsoleSession" (
    "id" UUID NOT NULL,
    "apiKeyId" UUID NOT NULL,
    "tokenHash" TEXT NOT NULL,
    "device" TEXT NOT NULL DEFAULT '',
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "expiresAt" TIMESTAMP(3) NOT NULL,
    "lastUsedAt" TIMESTAMP(3),
    "revokedAt" TIMESTAMP(3),

    CONSTRAINT "ConsoleSession_pkey" PRIMARY KEY ("id")
);

CREATE UNIQUE INDEX "ConsoleSession_tokenHash_key" ON "ConsoleSession"("tokenHash");
CREATE INDEX "ConsoleSession_apiKeyId_idx" ON "ConsoleSession"("apiKeyId");

ALTER TABLE "ConsoleSession" ADD CONSTRAINT "ConsoleSession_apiKeyId_fkey" FOREIGN KEY ("apiKeyId") REFERENCES "ApiKey"("id") ON DELETE CASCADE ON UPDATE CASCADE;
