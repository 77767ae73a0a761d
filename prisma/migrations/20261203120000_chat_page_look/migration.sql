-- The web chat page as the business styles it: a colour (#rrggbb) and a logo (an https URL),
-- and the sites (origins) whose pages may embed the chat with the widget script.
ALTER TABLE "Channel" ADD COLUMN "chatColor" TEXT;
ALTER TABLE "Channel" ADD COLUMN "chatLogoUrl" TEXT;
ALTER TABLE "Channel" ADD COLUMN "chatSites" TEXT[] NOT NULL DEFAULT ARRAY[]::TEXT[];

-- Channels added from the command line without a name were named after their kind's code
-- ("whatsapp_web"), which the console showed as the title: they get the names the admin API gives.
UPDATE "Channel" SET name = CASE kind
  WHEN 'webchat' THEN 'Web chat'
  WHEN 'whatsapp_cloud' THEN 'WhatsApp'
  WHEN 'whatsapp_web' THEN 'WhatsApp (web)'
  WHEN 'instagram' THEN 'Instagram'
END
WHERE name = kind::text;
