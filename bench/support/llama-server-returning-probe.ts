/**
 * Diagnostic (not run by `npm run bench`): llama.cpp's llama-server on the same model and the same
 * turns as section 7's returning conversation, one slot, so bench/README.md can put our figures next
 * to its host-RAM prompt cache measured at the same machine load.
 * `LLAMA_SERVER_BIN=... npx tsx bench/support/llama-server-returning-probe.ts <model.gguf> [reps] [--cache-ram N]`
 */
import { spawn } from "node:child_process";
import { performance } from "node:perf_hooks";
import { getLlama, Llama2ChatWrapper, LlamaLogLevel, type Token } from "node-llama-cpp";
import type { ChatPrompt, ChatTurn } from "../../src/domain/chat-prompt.js";
import { toChatHistory } from "../../src/llm/to-chat-history.js";
import { loadPersonaTemplate } from "../../src/personas/persona-templates.js";
import { renderSystemPrompt } from "../../src/personas/render-persona.js";
import { bakeryMessage } from "./bakery-script.js";
import { summarize } from "./stats.js";

const [modelPath, repsArg] = process.argv.slice(2);
const cacheRam = process.argv.includes("--cache-ram") ? process.argv[process.argv.indexOf("--cache-ram") + 1]! : "8192";
const reps = Number(repsArg ?? 5);
const llama = await getLlama({ gpu: false, build: "never", maxThreads: 1, logLevel: LlamaLogLevel.error });
const vocab = await llama.loadModel({ modelPath: modelPath!, vocabOnly: true });
const wrapper = new Llama2ChatWrapper();
const tokens = (p: ChatPrompt): Token[] => wrapper.generateContextState({ chatHistory: toChatHistory(p) }).contextText.tokenize(vocab.tokenizer);
const system = renderSystemPrompt((await loadPersonaTemplate("support-bakery")).persona);

function conversation(customer: number): ChatPrompt {
  const turns: ChatTurn[] = [];
  for (let i = 0; ; i++) {
    const ask = `${bakeryMessage(customer + i)} (order ${customer}-${i})`;
    const prompt: ChatPrompt = { system, turns: [...turns, { role: "user", text: ask }] };
    if (tokens(prompt).length >= 2080) return prompt;
    turns.push({ role: "user", text: ask }, { role: "assistant", text: `Thank you for asking! ${bakeryMessage(customer + i + 7)} We are happy to help with that at Sunrise Bakery.` });
  }
}

const port = 20000 + Math.floor(Math.random() * 20000);
const server = spawn(process.env.LLAMA_SERVER_BIN!, ["-m", modelPath!, "-c", "8192", "-np", "1", "-t", "1", "--host", "127.0.0.1", "--port", String(port), "--cache-ram", cacheRam, "--no-warmup"], { stdio: "ignore" });
const base = `http://127.0.0.1:${port}`;
try {
  for (let i = 0; ; i++) {
    if ((await fetch(`${base}/health`).then((r) => r.status, () => 0)) === 200) break;
    if (i > 600) throw new Error("llama-server did not start");
    await new Promise((r) => setTimeout(r, 100));
  }
  const complete = async (prompt: Token[], n: number) => {
    const res = await fetch(`${base}/completion`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ prompt, n_predict: n, cache_prompt: true, temperature: 0 }) });
    return (await res.json()) as { content: string; timings: { prompt_n: number; prompt_ms: number } };
  };
  const ttft: number[] = [];
  const evaluated: number[] = [];
  const promptMs: number[] = [];
  for (let rep = 0; rep < reps; rep++) {
    const a = conversation(rep * 2);
    const first = await complete(tokens(a), 8);
    await complete(tokens(conversation(rep * 2 + 1)), 8);
    const back: ChatPrompt = { system, turns: [...a.turns, { role: "assistant", text: first.content }, { role: "user", text: bakeryMessage(rep + 3) }] };
    const started = performance.now();
    const r = await complete(tokens(back), 1);
    ttft.push(performance.now() - started);
    evaluated.push(r.timings.prompt_n);
    promptMs.push(r.timings.prompt_ms);
  }
  process.stdout.write(`${JSON.stringify({ cacheRam, ttftMs: summarize(ttft), evaluatedTokens: summarize(evaluated), serverPromptMs: summarize(promptMs) })}\n`);
} finally {
  server.kill("SIGTERM");
  await llama.dispose();
}
