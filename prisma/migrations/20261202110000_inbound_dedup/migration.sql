-- Web chat messages are deduplicated per session, not per channel: the stored platform message id
-- of an inbound web chat message becomes "<sessionId>:<clientMessageId>" (webchatMessageKey), so
-- two visitors whose pages pick the same client id are two messages. Rows stored before keep
-- deduplicating their redeliveries: their keys are rewritten the same way here (the session id is
-- the contact's platform user id). The old keys were unique per channel, so the new ones are too;
-- outbound rows hold our own uuids, which have no ":", and are not touched.
UPDATE "Message" AS m
SET "platformMessageId" = ct."platformUserId" || ':' || m."platformMessageId"
FROM "Conversation" AS c, "Contact" AS ct, "Channel" AS ch
WHERE c."id" = m."conversationId"
  AND ct."id" = c."contactId"
  AND ch."id" = m."channelId"
  AND ch."kind" = 'webchat'
  AND m."direction" = 'inbound'
  AND m."platformMessageId" IS NOT NULL;
