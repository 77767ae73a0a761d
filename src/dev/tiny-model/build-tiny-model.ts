/**
 * Tiny random-weight Llama model with the real Llama-2 tokenizer.
 *
 * This model GENERATES NOISE. It exists so that tests and the demo run the real node-llama-cpp
 * engine (tokenizer, Llama2ChatWrapper prompt rendering, contexts, sequences, sampling) on a
 * machine where no model weights can be downloaded. The architecture is a 2-block, 64-wide
 * Llama with deterministic pseudo-random F32 weights; the vocabulary, scores and token types
 * reproduce the Llama-2 SentencePiece tokenizer, so `model.tokenize` matches real Llama-2
 * token ids exactly. The file (~17 MB) is built at run time in about a second; never commit it.
 */
import { randomBytes } from "node:crypto";
import { mkdir, rename, stat, unlink } from "node:fs/promises";
import { join } from "node:path";
import { writeGguf, type GgufF32Tensor, type GgufMetadataEntry } from "./gguf-writer.js";

export const TINY_MODEL_FILE_NAME = "tiny-llama2-chat.gguf";
export const TINY_MODEL_NAME = "tiny-llama2-chat (random weights, test only)";
export const TINY_MODEL_ARCHITECTURE = "llama";
export const TINY_MODEL_EMBEDDING_LENGTH = 64;
export const TINY_MODEL_BLOCK_COUNT = 2;
export const TINY_MODEL_HEAD_COUNT = 4;
export const TINY_MODEL_HEAD_COUNT_KV = 4;
export const TINY_MODEL_FEED_FORWARD_LENGTH = 128;
export const TINY_MODEL_CONTEXT_LENGTH = 4096;
export const TINY_MODEL_ROPE_DIMENSION_COUNT = TINY_MODEL_EMBEDDING_LENGTH / TINY_MODEL_HEAD_COUNT;
export const TINY_MODEL_RMS_EPSILON = 1e-5;
export const TINY_MODEL_VOCAB_SIZE = 32000;
export const TINY_MODEL_BOS_TOKEN_ID = 1;
export const TINY_MODEL_EOS_TOKEN_ID = 2;
export const TINY_MODEL_UNK_TOKEN_ID = 0;
export const TINY_MODEL_WEIGHT_SEED = 0x11a3a2;
export const TINY_MODEL_WEIGHT_STD = 0.02;

/** A chat template family for a tiny model: its control tokens, BOS/EOS among them, and its Jinja template. */
export interface TinyChatFamily {
  readonly name: string;
  readonly controlTokens?: readonly string[];
  readonly bos?: string;
  readonly eos?: string;
  readonly chatTemplate?: string;
}

/** SentencePiece token types as stored in `tokenizer.ggml.token_type`. */
const TOKEN_TYPE = { normal: 1, unknown: 2, control: 3, byte: 6 } as const;
const BYTE_TOKEN = /^<0x[0-9A-F]{2}>$/;
const WHITESPACE_RUN = /^\u2581{2,}$/;
const WHITESPACE_RUN_SCORE = -1e9;

/** Returns the path of the tiny model inside `dir`, building it first if it is absent. */
export async function ensureTinyModel(dir: string): Promise<string> {
  const modelPath = join(dir, TINY_MODEL_FILE_NAME);
  if (await isFile(modelPath)) return modelPath;

  await mkdir(dir, { recursive: true });
  // Unique temp name per process and call; rename is atomic, so a concurrent reader sees either
  // no file or a complete one, and racing builders just replace identical bytes.
  const tmpPath = `${modelPath}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`;
  try {
    await writeGguf(tmpPath, await tinyModelContents());
    await rename(tmpPath, modelPath);
  } catch (err) {
    await unlink(tmpPath).catch(() => undefined);
    throw err;
  }
  return modelPath;
}

async function isFile(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return false;
    throw err;
  }
}

/** Width and depth of a random-weight Llama; the tiny model's by default. */
export interface RandomLlamaShape {
  readonly embeddingLength: number;
  readonly blockCount: number;
  readonly headCount: number;
  readonly feedForwardLength: number;
}

const TINY_MODEL_SHAPE: RandomLlamaShape = {
  embeddingLength: TINY_MODEL_EMBEDDING_LENGTH,
  blockCount: TINY_MODEL_BLOCK_COUNT,
  headCount: TINY_MODEL_HEAD_COUNT,
  feedForwardLength: TINY_MODEL_FEED_FORWARD_LENGTH,
};

/**
 * A wider or deeper random-weight model with the same tokenizer, for measurements whose outcome
 * depends on the model's size (bench section 7: KV bytes per token vs evaluation cost). Built into
 * `dir` once under a name that spells the shape; it still generates noise.
 */
export async function ensureRandomLlama(dir: string, shape: RandomLlamaShape): Promise<string> {
  const modelPath = join(dir, `random-llama2-${shape.embeddingLength}x${shape.blockCount}-h${shape.headCount}-ff${shape.feedForwardLength}.gguf`);
  if (await isFile(modelPath)) return modelPath;
  await mkdir(dir, { recursive: true });
  const tmpPath = `${modelPath}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`;
  try {
    await writeGguf(tmpPath, await tinyModelContents(shape));
    await rename(tmpPath, modelPath);
  } catch (err) {
    await unlink(tmpPath).catch(() => undefined);
    throw err;
  }
  return modelPath;
}

/**
 * The tiny model with another chat template: the Llama-2 vocabulary plus the family's control
 * tokens appended (as a real model's added tokens are), its BOS/EOS, and its
 * `tokenizer.chat_template`, so the template is found from the file as it is for a real model.
 * Built into `dir` once, named after the family.
 */
export async function ensureTinyChatModel(dir: string, family: TinyChatFamily): Promise<string> {
  if (family.name === "llama2") return ensureTinyModel(dir);
  const modelPath = join(dir, `tiny-${family.name}-chat.gguf`);
  if (await isFile(modelPath)) return modelPath;
  await mkdir(dir, { recursive: true });
  const tmpPath = `${modelPath}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`;
  try {
    await writeGguf(tmpPath, await tinyModelContents(TINY_MODEL_SHAPE, family));
    await rename(tmpPath, modelPath);
  } catch (err) {
    await unlink(tmpPath).catch(() => undefined);
    throw err;
  }
  return modelPath;
}

async function tinyModelContents(
  shape: RandomLlamaShape = TINY_MODEL_SHAPE,
  family?: TinyChatFamily,
): Promise<{
  metadata: GgufMetadataEntry[];
  tensors: GgufF32Tensor[];
}> {
  // Imported lazily: decoding the vocabulary and merges takes a noticeable moment.
  const { default: llamaTokenizer } = await import("llama-tokenizer-js");
  const base = llamaTokenizer.vocabById;
  if (base.length !== TINY_MODEL_VOCAB_SIZE) {
    throw new Error(`llama-tokenizer-js vocabulary has ${base.length} pieces, expected ${TINY_MODEL_VOCAB_SIZE}`);
  }
  const added = family?.controlTokens ?? [];
  const tokens = [...base, ...added];
  const idOf = (text: string | undefined, fallback: number) => (text === undefined ? fallback : TINY_MODEL_VOCAB_SIZE + added.indexOf(text));
  const bosId = idOf(family?.bos, TINY_MODEL_BOS_TOKEN_ID);
  const eosId = idOf(family?.eos, TINY_MODEL_EOS_TOKEN_ID);
  const scores = new Float32Array(tokens.length);
  const tokenTypes = new Int32Array(tokens.length);
  tokens.forEach((piece, id) => {
    // Llama-2 merges pieces roughly in id order, but ranks the whitespace-run pieces ("▁▁",
    // "▁▁▁▁", ...) below every other merge; with plain -(id-259) scores llama.cpp would merge
    // runs of spaces before words and disagree with the reference tokenizer on "a  b".
    scores[id] = id < 259 ? 0 : WHITESPACE_RUN.test(piece) ? WHITESPACE_RUN_SCORE : -(id - 259);
    tokenTypes[id] =
      id >= TINY_MODEL_VOCAB_SIZE
        ? TOKEN_TYPE.control
        : id === TINY_MODEL_UNK_TOKEN_ID
          ? TOKEN_TYPE.unknown
          : id === TINY_MODEL_BOS_TOKEN_ID || id === TINY_MODEL_EOS_TOKEN_ID
            ? TOKEN_TYPE.control
            : BYTE_TOKEN.test(piece)
              ? TOKEN_TYPE.byte
              : TOKEN_TYPE.normal;
  });

  const u32 = (value: number) => ({ type: "uint32", value }) as const;
  const arch = TINY_MODEL_ARCHITECTURE;
  const metadata: GgufMetadataEntry[] = [
    { key: "general.architecture", value: { type: "string", value: arch } },
    { key: "general.name", value: { type: "string", value: family ? `tiny-${family.name}-chat (random weights, test only)` : TINY_MODEL_NAME } },
    { key: "general.file_type", value: u32(0) }, // all F32
    { key: `${arch}.context_length`, value: u32(TINY_MODEL_CONTEXT_LENGTH) },
    { key: `${arch}.embedding_length`, value: u32(shape.embeddingLength) },
    { key: `${arch}.block_count`, value: u32(shape.blockCount) },
    { key: `${arch}.feed_forward_length`, value: u32(shape.feedForwardLength) },
    { key: `${arch}.attention.head_count`, value: u32(shape.headCount) },
    { key: `${arch}.attention.head_count_kv`, value: u32(shape.headCount) },
    { key: `${arch}.rope.dimension_count`, value: u32(shape.embeddingLength / shape.headCount) },
    {
      key: `${arch}.attention.layer_norm_rms_epsilon`,
      value: { type: "float32", value: TINY_MODEL_RMS_EPSILON },
    },
    { key: "tokenizer.ggml.model", value: { type: "string", value: "llama" } },
    { key: "tokenizer.ggml.tokens", value: { type: "string[]", value: tokens } },
    { key: "tokenizer.ggml.scores", value: { type: "float32[]", value: scores } },
    { key: "tokenizer.ggml.token_type", value: { type: "int32[]", value: tokenTypes } },
    { key: "tokenizer.ggml.bos_token_id", value: u32(bosId) },
    { key: "tokenizer.ggml.eos_token_id", value: u32(eosId) },
    { key: "tokenizer.ggml.unknown_token_id", value: u32(TINY_MODEL_UNK_TOKEN_ID) },
    { key: "tokenizer.ggml.add_bos_token", value: { type: "bool", value: true } },
    { key: "tokenizer.ggml.add_eos_token", value: { type: "bool", value: false } },
    ...(family?.chatTemplate ? [{ key: "tokenizer.chat_template", value: { type: "string", value: family.chatTemplate } } as const] : []),
  ];

  const rand = normalSampler(TINY_MODEL_WEIGHT_SEED, TINY_MODEL_WEIGHT_STD);
  const random = (name: string, dims: number[]): GgufF32Tensor => ({
    name,
    dims,
    data: () => Float32Array.from({ length: dims.reduce((a, b) => a * b, 1) }, rand),
  });
  const ones = (name: string, n: number): GgufF32Tensor => ({
    name,
    dims: [n],
    data: () => new Float32Array(n).fill(1),
  });

  const embd = shape.embeddingLength;
  const ff = shape.feedForwardLength;
  const kvDim = embd; // head_count_kv = head_count
  // GGUF dims are ne order: ne[0] is the input (fastest) dimension of a weight matrix.
  const tensors: GgufF32Tensor[] = [
    random("token_embd.weight", [embd, tokens.length]),
    ones("output_norm.weight", embd),
    random("output.weight", [embd, tokens.length]),
  ];
  for (let b = 0; b < shape.blockCount; b++) {
    tensors.push(
      ones(`blk.${b}.attn_norm.weight`, embd),
      random(`blk.${b}.attn_q.weight`, [embd, embd]),
      random(`blk.${b}.attn_k.weight`, [embd, kvDim]),
      random(`blk.${b}.attn_v.weight`, [embd, kvDim]),
      random(`blk.${b}.attn_output.weight`, [embd, embd]),
      ones(`blk.${b}.ffn_norm.weight`, embd),
      random(`blk.${b}.ffn_gate.weight`, [embd, ff]),
      random(`blk.${b}.ffn_down.weight`, [ff, embd]),
      random(`blk.${b}.ffn_up.weight`, [embd, ff]),
    );
  }
  return { metadata, tensors };
}

/** Deterministic N(0, std) samples: mulberry32 uniform PRNG + Box-Muller. */
function normalSampler(seed: number, std: number): () => number {
  let state = seed >>> 0;
  const uniform = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  let spare: number | null = null;
  return () => {
    if (spare !== null) {
      const s = spare;
      spare = null;
      return s;
    }
    const u = 1 - uniform(); // (0, 1]
    const v = uniform();
    const r = Math.sqrt(-2 * Math.log(u)) * std;
    spare = r * Math.sin(2 * Math.PI * v);
    return r * Math.cos(2 * Math.PI * v);
  };
}
