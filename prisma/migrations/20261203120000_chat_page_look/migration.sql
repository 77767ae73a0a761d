-- The web chat page as the business styles it: a colour (#rrggbb) and a logo (an https URL),
-- and the sites (origins) whose pages may embed the chat with the widget script.
ALTER TABLE "Channel" ADD COLUMN "chatColor" TEXT;
ALTER TABLE "Channel" ADD COLUMN "chatLogoUrl" TEXT;
ALTER TABLE "Channel" ADD COLUMN "chatSites" TEXT[] NOT NULL DEFAULT ARRAY[]::TEXT[];
