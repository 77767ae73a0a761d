-- CreateTable
CREATE TABLE "Turn" (
    "id" UUID NOT NULL,
    "businessId" UUID NOT NULL,
    "conversationId" UUID NOT NULL,
    "replyId" UUID NOT NULL,
    "worker" TEXT NOT NULL,
    "answeredCount" INTEGER NOT NULL,
    "promptTokens" INTEGER NOT NULL,
    "evaluatedTokens" INTEGER NOT NULL,
    "generatedTokens" INTEGER NOT NULL,
    "startedAt" TIMESTAMP(3) NOT NULL,
    "generationStartedAt" TIMESTAMP(3) NOT NULL,
    "generationEndedAt" TIMESTAMP(3) NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "Turn_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "Turn_replyId_key" ON "Turn"("replyId");

-- CreateIndex
CREATE INDEX "Turn_conversationId_startedAt_idx" ON "Turn"("conversationId", "startedAt");

-- CreateIndex
CREATE INDEX "Turn_businessId_createdAt_idx" ON "Turn"("businessId", "createdAt");

-- AddForeignKey
ALTER TABLE "Turn" ADD CONSTRAINT "Turn_conversationId_fkey" FOREIGN KEY ("conversationId") REFERENCES "Conversation"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Turn" ADD CONSTRAINT "Turn_replyId_fkey" FOREIGN KEY ("replyId") REFERENCES "Message"("id") ON DELETE CASCADE ON UPDATE CASCADE;

