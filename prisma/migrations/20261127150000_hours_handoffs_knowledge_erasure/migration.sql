-- CreateEnum
CREATE TYPE "OutsideHoursMode" AS ENUM ('answer', 'away');

-- CreateEnum
CREATE TYPE "HandoffStatus" AS ENUM ('pending', 'notified', 'failed', 'resolved');

-- CreateEnum
CREATE TYPE "KnowledgeKind" AS ENUM ('faq', 'document');

-- CreateEnum
CREATE TYPE "ErasureStatus" AS ENUM ('pending', 'completed', 'failed');

-- AlterTable
ALTER TABLE "Business" ADD COLUMN     "awayMessage" TEXT,
ADD COLUMN     "openingHours" JSONB,
ADD COLUMN     "outsideHours" "OutsideHoursMode" NOT NULL DEFAULT 'answer';

-- AlterTable
ALTER TABLE "Conversation" ADD COLUMN     "awaySentAt" TIMESTAMP(3),
ADD COLUMN     "pausedBy" TEXT,
ADD COLUMN     "pausedUntil" TIMESTAMP(3);

-- CreateTable
CREATE TABLE "Handoff" (
    "id" UUID NOT NULL,
    "businessId" UUID NOT NULL,
    "conversationId" UUID NOT NULL,
    "reason" TEXT NOT NULL,
    "notify" TEXT NOT NULL,
    "status" "HandoffStatus" NOT NULL DEFAULT 'pending',
    "noticeMessageId" UUID,
    "error" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "notifiedAt" TIMESTAMP(3),
    "resolvedAt" TIMESTAMP(3),

    CONSTRAINT "Handoff_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "ReplyFlag" (
    "id" UUID NOT NULL,
    "businessId" UUID NOT NULL,
    "conversationId" UUID NOT NULL,
    "replyId" UUID NOT NULL,
    "reason" TEXT NOT NULL,
    "modelText" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "ReplyFlag_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "KnowledgeEntry" (
    "id" UUID NOT NULL,
    "businessId" UUID NOT NULL,
    "kind" "KnowledgeKind" NOT NULL,
    "title" TEXT NOT NULL,
    "body" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "KnowledgeEntry_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "ErasureRequest" (
    "id" UUID NOT NULL,
    "confirmationCode" TEXT NOT NULL,
    "source" TEXT NOT NULL,
    "subjectHash" TEXT NOT NULL,
    "status" "ErasureStatus" NOT NULL DEFAULT 'pending',
    "erasedMessages" INTEGER NOT NULL DEFAULT 0,
    "error" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "completedAt" TIMESTAMP(3),

    CONSTRAINT "ErasureRequest_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "Handoff_businessId_createdAt_idx" ON "Handoff"("businessId", "createdAt");

-- CreateIndex
CREATE INDEX "Handoff_conversationId_idx" ON "Handoff"("conversationId");

-- CreateIndex
CREATE UNIQUE INDEX "ReplyFlag_replyId_key" ON "ReplyFlag"("replyId");

-- CreateIndex
CREATE INDEX "ReplyFlag_businessId_createdAt_idx" ON "ReplyFlag"("businessId", "createdAt");

-- CreateIndex
CREATE INDEX "KnowledgeEntry_businessId_idx" ON "KnowledgeEntry"("businessId");

-- CreateIndex
CREATE UNIQUE INDEX "ErasureRequest_confirmationCode_key" ON "ErasureRequest"("confirmationCode");

-- CreateIndex
CREATE INDEX "ErasureRequest_subjectHash_idx" ON "ErasureRequest"("subjectHash");

-- AddForeignKey
ALTER TABLE "Handoff" ADD CONSTRAINT "Handoff_businessId_fkey" FOREIGN KEY ("businessId") REFERENCES "Business"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Handoff" ADD CONSTRAINT "Handoff_conversationId_fkey" FOREIGN KEY ("conversationId") REFERENCES "Conversation"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ReplyFlag" ADD CONSTRAINT "ReplyFlag_businessId_fkey" FOREIGN KEY ("businessId") REFERENCES "Business"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ReplyFlag" ADD CONSTRAINT "ReplyFlag_conversationId_fkey" FOREIGN KEY ("conversationId") REFERENCES "Conversation"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ReplyFlag" ADD CONSTRAINT "ReplyFlag_replyId_fkey" FOREIGN KEY ("replyId") REFERENCES "Message"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "KnowledgeEntry" ADD CONSTRAINT "KnowledgeEntry_businessId_fkey" FOREIGN KEY ("businessId") REFERENCES "Business"("id") ON DELETE CASCADE ON UPDATE CASCADE;

