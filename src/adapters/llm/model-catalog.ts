/** A chat model `npm run model:pull -- --model <name>` knows by name. */
export interface CatalogModel {
  readonly name: string;
  readonly url: string;
  /** The file name it is saved under in models/. */
  readonly file: string;
  /** About how big the download is, for the listing (the server's length is what the pull checks). */
  readonly size: string;
  readonly licence: string;
  /** The chat template the file carries (read from the file at load, not from here). */
  readonly template: string;
  readonly note?: string;
}

const hf = (repo: string, file: string) => `https://huggingface.co/${repo}/resolve/main/${file}`;

/**
 * Q4_K_M quantisations (the usual balance of size and quality on a CPU). Llama-2-7B-chat stays the
 * default: the persona checks and the bench were written against it. The newer small models answer
 * faster on a CPU; read each licence before serving customers with it.
 */
export const MODEL_CATALOG: readonly CatalogModel[] = [
  {
    name: "llama-2-7b-chat",
    url: hf("TheBloke/Llama-2-7B-Chat-GGUF", "llama-2-7b-chat.Q4_K_M.gguf"),
    file: "llama-2-7b-chat.Q4_K_M.gguf",
    size: "4.1 GB",
    licence: "Llama 2 Community License",
    template: "Llama 2 chat",
    note: "default",
  },
  {
    name: "llama-2-13b-chat",
    url: hf("TheBloke/Llama-2-13B-chat-GGUF", "llama-2-13b-chat.Q4_K_M.gguf"),
    file: "llama-2-13b-chat.Q4_K_M.gguf",
    size: "7.9 GB",
    licence: "Llama 2 Community License",
    template: "Llama 2 chat",
  },
  {
    name: "llama-3.2-3b-instruct",
    url: hf("bartowski/Llama-3.2-3B-Instruct-GGUF", "Llama-3.2-3B-Instruct-Q4_K_M.gguf"),
    file: "Llama-3.2-3B-Instruct-Q4_K_M.gguf",
    size: "2.0 GB",
    licence: "Llama 3.2 Community License",
    template: "Llama 3",
  },
  {
    name: "llama-3.1-8b-instruct",
    url: hf("bartowski/Meta-Llama-3.1-8B-Instruct-GGUF", "Meta-Llama-3.1-8B-Instruct-Q4_K_M.gguf"),
    file: "Meta-Llama-3.1-8B-Instruct-Q4_K_M.gguf",
    size: "4.9 GB",
    licence: "Llama 3.1 Community License",
    template: "Llama 3.1",
  },
  {
    name: "qwen2.5-7b-instruct",
    url: hf("bartowski/Qwen2.5-7B-Instruct-GGUF", "Qwen2.5-7B-Instruct-Q4_K_M.gguf"),
    file: "Qwen2.5-7B-Instruct-Q4_K_M.gguf",
    size: "4.7 GB",
    licence: "Apache-2.0",
    template: "ChatML (Qwen)",
  },
  {
    name: "mistral-7b-instruct-v0.3",
    url: hf("bartowski/Mistral-7B-Instruct-v0.3-GGUF", "Mistral-7B-Instruct-v0.3-Q4_K_M.gguf"),
    file: "Mistral-7B-Instruct-v0.3-Q4_K_M.gguf",
    size: "4.4 GB",
    licence: "Apache-2.0",
    template: "Mistral",
  },
  {
    name: "phi-3.5-mini-instruct",
    url: hf("bartowski/Phi-3.5-mini-instruct-GGUF", "Phi-3.5-mini-instruct-Q4_K_M.gguf"),
    file: "Phi-3.5-mini-instruct-Q4_K_M.gguf",
    size: "2.4 GB",
    licence: "MIT",
    template: "Phi 3",
  },
  {
    name: "gemma-2-2b-it",
    url: hf("bartowski/gemma-2-2b-it-GGUF", "gemma-2-2b-it-Q4_K_M.gguf"),
    file: "gemma-2-2b-it-Q4_K_M.gguf",
    size: "1.7 GB",
    licence: "Gemma Terms of Use",
    template: "Gemma",
  },
];

export function catalogModel(name: string): CatalogModel | undefined {
  return MODEL_CATALOG.find((m) => m.name === name.toLowerCase());
}

/** The listing `--list` prints: one line per model. */
export function catalogListing(): string {
  const width = Math.max(...MODEL_CATALOG.map((m) => m.name.length));
  return MODEL_CATALOG.map(
    (m) => `  ${m.name.padEnd(width)}  ${m.size.padStart(6)}  ${m.template}; ${m.licence}${m.note ? ` (${m.note})` : ""}`,
  ).join("\n");
}
