-- The public surface at scale (issue #14): indexes for the lookups that ran as sequential scans,
-- the web chat sender key the flood and daily limits count by, and reply counts kept as they change
-- so that /metrics never counts the Message table.

-- "Message"."replyId" is a self-reference (SET NULL on delete): without an index every deleted
-- message scanned the whole table (erasing 100k messages took 413 s), and the turn timings looked
-- up the messages each reply answered one scan at a time.
CREATE INDEX "Message_replyId_idx" ON "Message"("replyId");

-- /metrics reads the turns of the last 5 minutes.
CREATE INDEX "Turn_createdAt_idx" ON "Turn"("createdAt");

-- Meta's data-deletion callback finds a person's contacts by platform user id across businesses.
CREATE INDEX "Contact_platformUserId_idx" ON "Contact"("platformUserId");

-- A contact's conversations (erasure, Meta's data-deletion callback, and the cascade when a contact
-- is deleted) were found by scanning every conversation: the unique index leads with the channel.
CREATE INDEX "Conversation_contactId_idx" ON "Conversation"("contactId");

-- Deleting a conversation (erasure, retention) looks up its reply flags.
CREATE INDEX "ReplyFlag_conversationId_idx" ON "ReplyFlag"("conversationId");

-- The retention job finds web chat conversations idle for days.
CREATE INDEX "Conversation_lastMessageAt_idx" ON "Conversation"("lastMessageAt");

-- A web chat message's sender key: a keyed hash (HMAC under PSEUDONYM_KEY) of the channel and the
-- visitor's network address, so a flood from new session ids still counts as one sender. Null for
-- every other channel. Partial: the other channels' rows stay out of the index.
ALTER TABLE "Message" ADD COLUMN "senderKey" TEXT;
CREATE INDEX "Message_channelId_senderKey_createdAt_idx" ON "Message"("channelId", "senderKey", "createdAt") WHERE "senderKey" IS NOT NULL;

-- The erasure record kept SHA-256("<kind>:<user id>"), which a phone number's small key space
-- reverses in seconds. From now on it is an HMAC under PSEUDONYM_KEY, or nothing when no key is set,
-- and the old reversible hashes are dropped.
ALTER TABLE "ErasureRequest" ALTER COLUMN "subjectHash" DROP NOT NULL;
UPDATE "ErasureRequest" SET "subjectHash" = NULL;

-- Replies per channel and status, kept by triggers as replies are stored, change status and are
-- deleted (statement-level, over the transition tables: an erasure of 10k messages is one update
-- per channel and status, not 10k). No foreign key to "Channel": a deleted channel's rows fall to
-- zero as its messages go, and readers join "Channel" anyway.
CREATE TABLE "ReplyCount" (
    "channelId" UUID NOT NULL,
    "status" "MessageStatus" NOT NULL,
    "count" BIGINT NOT NULL DEFAULT 0,

    CONSTRAINT "ReplyCount_pkey" PRIMARY KEY ("channelId", "status")
);

INSERT INTO "ReplyCount" ("channelId", "status", "count")
SELECT "channelId", "status", count(*) FROM "Message" WHERE "direction" = 'outbound' GROUP BY "channelId", "status";

-- Rows are applied in key order, so two statements touching the same counters lock them in the
-- same order. The body is an escape string with each semicolon written as \x3b: the migration
-- runner splits its script at every semicolon, even inside a quoted function body.
CREATE FUNCTION "reply_count_apply"() RETURNS trigger LANGUAGE plpgsql AS E'
BEGIN
  IF TG_OP = \'INSERT\' THEN
    INSERT INTO "ReplyCount" ("channelId", "status", "count")
    SELECT "channelId", "status", count(*) FROM new_rows WHERE "direction" = \'outbound\' GROUP BY 1, 2 ORDER BY 1, 2
    ON CONFLICT ("channelId", "status") DO UPDATE SET "count" = "ReplyCount"."count" + EXCLUDED."count"\x3b
  ELSIF TG_OP = \'DELETE\' THEN
    INSERT INTO "ReplyCount" ("channelId", "status", "count")
    SELECT "channelId", "status", -count(*) FROM old_rows WHERE "direction" = \'outbound\' GROUP BY 1, 2 ORDER BY 1, 2
    ON CONFLICT ("channelId", "status") DO UPDATE SET "count" = "ReplyCount"."count" + EXCLUDED."count"\x3b
  ELSE
    INSERT INTO "ReplyCount" ("channelId", "status", "count")
    SELECT "channelId", "status", sum(delta) FROM (
      SELECT "channelId", "status", 1 AS delta FROM new_rows WHERE "direction" = \'outbound\'
      UNION ALL
      SELECT "channelId", "status", -1 AS delta FROM old_rows WHERE "direction" = \'outbound\'
    ) changed GROUP BY 1, 2 HAVING sum(delta) <> 0 ORDER BY 1, 2
    ON CONFLICT ("channelId", "status") DO UPDATE SET "count" = "ReplyCount"."count" + EXCLUDED."count"\x3b
  END IF\x3b
  RETURN NULL\x3b
END
';

CREATE TRIGGER "reply_count_insert" AFTER INSERT ON "Message" REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION "reply_count_apply"();
CREATE TRIGGER "reply_count_update" AFTER UPDATE ON "Message" REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION "reply_count_apply"();
CREATE TRIGGER "reply_count_delete" AFTER DELETE ON "Message" REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION "reply_count_apply"();
