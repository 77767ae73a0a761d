import { readFileSync } from "node:fs";
import type { FastifyInstance } from "fastify";

const CHAT_PAGE = readFileSync(new URL("./pages/chat.html", import.meta.url), "utf8");

export function registerChatPageRoutes(app: FastifyInstance): void {
  app.get("/chat/:channelKey", async (_request, reply) =>
    reply.header("content-type", "text/html; charset=utf-8").header("content-security-policy", "default-src 'self'; style-src 'unsafe-inline'; script-src 'unsafe-inline'").send(CHAT_PAGE),
  );
}
