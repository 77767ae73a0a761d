-- The inbox that reads like one, and nothing that hides (issue #15).

-- Messages left for the next opening (closed, the away message already sent): when the agent
-- answers them. The reconciler leaves such conversations alone until then (the opening job answers
-- them), and the inbox shows them as waiting for a person.
ALTER TABLE "Conversation" ADD COLUMN "waitingUntil" TIMESTAMP(3);

-- A chat the business started from the console's Try it: "hours" follows the opening hours,
-- "open" answers as if open. Null for every customer's conversation.
ALTER TABLE "Conversation" ADD COLUMN "tryIt" TEXT;

-- How far each staff API key has read each conversation (unread = a customer message after it).
CREATE TABLE "ConversationRead" (
    "apiKeyId" UUID NOT NULL,
    "conversationId" UUID NOT NULL,
    "lastReadSeq" BIGINT NOT NULL,
    "readAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "ConversationRead_pkey" PRIMARY KEY ("apiKeyId", "conversationId")
);
CREATE INDEX "ConversationRead_conversationId_idx" ON "ConversationRead"("conversationId");
ALTER TABLE "ConversationRead" ADD CONSTRAINT "ConversationRead_apiKeyId_fkey" FOREIGN KEY ("apiKeyId") REFERENCES "ApiKey"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "ConversationRead" ADD CONSTRAINT "ConversationRead_conversationId_fkey" FOREIGN KEY ("conversationId") REFERENCES "Conversation"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- Inbox search by message words: a full-text index over the words as written (the simple
-- configuration: no language stemming, customers write in any language), with the business as one
-- more word ("b" and its id's hex digits). A search asks for that word too, so the index itself
-- keeps to the business: a common word across every business reads only this one's rows.
-- Prisma cannot describe an expression index, so it lives here only (src/storage/search-words.ts
-- writes the same expression).
CREATE INDEX "Message_words_idx" ON "Message" USING GIN ((to_tsvector('simple', "text") || to_tsvector('simple', 'b' || replace("businessId"::text, '-', ''))));

-- Inbox search by name, within a business.
CREATE INDEX "Contact_businessId_displayName_idx" ON "Contact"("businessId", "displayName");
