-- AlterTable
ALTER TABLE "OutboxEntry" ADD COLUMN     "partsSent" INTEGER NOT NULL DEFAULT 0,
ADD COLUMN     "platformMessageIds" TEXT[] DEFAULT ARRAY[]::TEXT[],
ADD COLUMN     "readMarked" BOOLEAN NOT NULL DEFAULT false;

-- CreateIndex
CREATE INDEX "OutboxEntry_platformMessageIds_idx" ON "OutboxEntry" USING GIN ("platformMessageIds");

