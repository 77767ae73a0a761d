import { afterEach, describe, expect, it, vi } from "vitest";
import { catalogModel, MODEL_CATALOG } from "../../src/adapters/llm/model-catalog.js";
import { runModelPull } from "../../src/main/model-pull.js";

function captured() {
  const out: string[] = [];
  const err: string[] = [];
  vi.spyOn(process.stdout, "write").mockImplementation((chunk) => (out.push(String(chunk)), true));
  vi.spyOn(process.stderr, "write").mockImplementation((chunk) => (err.push(String(chunk)), true));
  return { out: () => out.join(""), err: () => err.join("") };
}

afterEach(() => vi.restoreAllMocks());

describe("chat models by name", () => {
  it("Llama-2-7B-chat is the default, and every entry is a Q4_K_M GGUF on Hugging Face with its licence", () => {
    expect(MODEL_CATALOG[0]!.name).toBe("llama-2-7b-chat");
    expect(new Set(MODEL_CATALOG.map((m) => m.name)).size).toBe(MODEL_CATALOG.length);
    for (const m of MODEL_CATALOG) {
      expect(m.url).toMatch(/^https:\/\/huggingface\.co\/[\w.-]+\/[\w.-]+\/resolve\/main\/[\w.-]+\.gguf$/);
      expect(m.url.endsWith(`/${m.file}`)).toBe(true);
      expect(m.file).toMatch(/q4_k_m/i);
      expect(m.licence.length).toBeGreaterThan(0);
    }
    expect(catalogModel("Llama-3.2-3B-Instruct")?.template).toBe("Llama 3");
  });

  it("--list prints them with sizes and licences; nothing is downloaded", async () => {
    const io = captured();
    expect(await runModelPull(["--list"])).toBe(0);
    for (const m of MODEL_CATALOG) expect(io.out()).toContain(m.name);
    expect(io.out()).toContain("Apache-2.0");
  });

  it("an unknown name, or a name and a URL at once, is refused with the list and exit code 2", async () => {
    const io = captured();
    expect(await runModelPull(["--model", "gpt-5"])).toBe(2);
    expect(io.err()).toContain('no model named "gpt-5"');
    expect(io.err()).toContain("qwen2.5-7b-instruct");
    expect(await runModelPull(["--model", "llama-2-7b-chat", "--url", "https://example.com/x.gguf"])).toBe(2);
    expect(io.err()).toContain("not both");
  });
});
