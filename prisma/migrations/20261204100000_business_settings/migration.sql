-- Each business's behaviour (reply length, temperature, debounce, the owner's quiet time, the
-- knowledge budget, the non-text reply), edited in the console. Empty: every default, which are
-- the values the environment used to set for the whole deployment.
ALTER TABLE "Business" ADD COLUMN "settings" JSONB NOT NULL DEFAULT '{}';
