-- Owner alerts (issue #15): Web Push subscriptions per API key, what each key wants to be told,
-- and the servers VAPID key pair (generated once, private key sealed with CHANNEL_SECRETS_KEY).

-- What a keys devices are alerted about: new handoffs, messages waiting for a person.
ALTER TABLE "ApiKey" ADD COLUMN "alertHandoffs" BOOLEAN NOT NULL DEFAULT true;
ALTER TABLE "ApiKey" ADD COLUMN "alertWaiting" BOOLEAN NOT NULL DEFAULT true;

-- A browsers push subscription: the endpoint and its keys are sealed (AES-256-GCM, bound to the
-- row id), the endpoints SHA-256 finds a subscription again without opening every row.
CREATE TABLE "PushSubscription" (
    "id" UUID NOT NULL,
    "apiKeyId" UUID NOT NULL,
    "endpointHash" TEXT NOT NULL,
    "sealed" BYTEA NOT NULL,
    "iv" BYTEA NOT NULL,
    "tag" BYTEA NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "lastSentAt" TIMESTAMP(3),

    CONSTRAINT "PushSubscription_pkey" PRIMARY KEY ("id")
);

CREATE UNIQUE INDEX "PushSubscription_endpointHash_key" ON "PushSubscription"("endpointHash");
CREATE INDEX "PushSubscription_apiKeyId_idx" ON "PushSubscription"("apiKeyId");

ALTER TABLE "PushSubscription" ADD CONSTRAINT "PushSubscription_apiKeyId_fkey" FOREIGN KEY ("apiKeyId") REFERENCES "ApiKey"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- One row: the VAPID key pair push services know this server by.
CREATE TABLE "WebPushKeys" (
    "id" INTEGER NOT NULL DEFAULT 1,
    "publicKey" TEXT NOT NULL,
    "sealed" BYTEA NOT NULL,
    "iv" BYTEA NOT NULL,
    "tag" BYTEA NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "WebPushKeys_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "WebPushKeys_single_row" CHECK ("id" = 1)
);
