import readline from "node:readline/promises";
import { parseArgs } from "node:util";
import { loadConfig } from "../config/index.js";
import { runMain } from "./run-main.js";
import { WebchatClient } from "./webchat-client.js";

/** `npm run chat`: talk to a running gateway's web chat from the terminal. */
runMain(async () => {
  const config = loadConfig("cli");
  const { values } = parseArgs({
    options: {
      url: { type: "string", default: `http://${config.http.host}:${config.http.port}` },
      channel: { type: "string", default: "demo" },
    },
  });
  const client = new WebchatClient(values.url!, values.channel!);
  const rl = readline.createInterface({ input: process.stdin, output: process.stdout });
  process.stdout.write(`Chatting with ${values.url}/chat/${values.channel} (Ctrl-D to quit)\n`);
  rl.setPrompt("you> ");
  rl.prompt();
  for await (const line of rl) {
    if (line.trim()) {
      try {
        await client.send(line);
        const reply = await client.waitForReply(300_000);
        process.stdout.write(`bot> ${reply.text}\n`);
      } catch (error) {
        process.stdout.write(`!! ${(error as Error).message}\n`);
      }
    }
    rl.prompt();
  }
  rl.close();
  return "exit";
});
