-- AlterTable
ALTER TABLE "OutboxEntry" ADD COLUMN     "updatedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP;

-- CreateIndex
CREATE INDEX "OutboxEntry_status_updatedAt_idx" ON "OutboxEntry"("status", "updatedAt");

