-- AlterTable
ALTER TABLE "Channel" ADD COLUMN     "settings" JSONB NOT NULL DEFAULT '{}';

-- CreateTable
CREATE TABLE "ChannelSecret" (
    "id" UUID NOT NULL,
    "channelId" UUID NOT NULL,
    "keyVersion" INTEGER NOT NULL DEFAULT 1,
    "ciphertext" BYTEA NOT NULL,
    "iv" BYTEA NOT NULL,
    "tag" BYTEA NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "ChannelSecret_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "ChannelSecret_channelId_idx" ON "ChannelSecret"("channelId");

-- AddForeignKey
ALTER TABLE "ChannelSecret" ADD CONSTRAINT "ChannelSecret_channelId_fkey" FOREIGN KEY ("channelId") REFERENCES "Channel"("id") ON DELETE CASCADE ON UPDATE CASCADE;

