import { BUSINESS_SETTING_DEFAULTS } from "../../domain/business-settings.js";
import { getLlama, LlamaLogLevel, type Llama, type LlamaContext, type LlamaContextSequence, type LlamaModel, type LlamaText } from "node-llama-cpp";
import type { ChatPrompt, ChatTurn } from "../../domain/chat-prompt.js";
import { FatalError } from "../../domain/errors.js";
import type { ChatModel, GenerateOptions, Generation } from "../../ports/chat-model.js";
import { checkModelFile } from "./check-model-file.js";
import { DecodeSteps } from "./decode-steps.js";
import { inSequenceOrder } from "./sequence-order-strategy.js";
import { PromptFormat } from "./prompt-format.js";
import { generateOnSequence } from "./generate-on-sequence.js";
import { KvStateDir } from "./kv-state-dir.js";
import { KvTiers, type KvTierOptions } from "./kv-tiers.js";
import { describeBinding, localBinding } from "./native-binding.js";
import { PersonaPrefixes } from "./persona-prefix.js";
import { reusablePromptTokens, startsWith } from "./reusable-prompt-tokens.js";
import { SequencePool, type PooledSequence } from "./sequence-pool.js";
import { planTrimShift } from "./trim-shift.js";

export interface LlamaChatModelOptions {
  readonly modelPath: string;
  readonly threads: number;
  readonly contextSize: number;
  readonly sequences: number;
  /** llama.cpp contexts the sequences are spread over; each decodes on its own `threads` (default 1). */
  readonly contexts?: number | undefined;
  /** For a generation that names none (each turn passes its business's); default the businesses' default. */
  readonly temperature?: number | undefined;
  readonly seed?: number | undefined;
  /** KV cache element type for keys and values, e.g. "F16" (default), "Q8_0", "Q4_0". */
  readonly kvCacheType?: string | undefined;
  /**
   * Keep an evicted conversation's KV cache in host RAM (tmpfs) and then on disk, and load it on its
   * next turn; the business's persona prefix is shared through the same tier (off when undefined).
   */
  readonly kvTiers?: KvTierOptions | undefined;
  /** After a trim, shift the kept turns' KV cells instead of reading them again (default true). */
  readonly trimShift?: boolean | undefined;
}

/** A chat model on node-llama-cpp (Llama-2-chat by default, any chat GGUF by its own template): one model, one context, several sequences shared by the worker's turns. */
export class LlamaChatModel implements ChatModel {
  /** From the model file: any chat GGUF gets its own template (Llama-2-chat's when it names none). */
  private readonly format: PromptFormat;
  /** Aborted on close, so a shutdown never waits for a long generation. */
  private readonly closing = new AbortController();
  /** Stale KV files are deleted even when no conversation is evicted for a while: they hold conversation text. */
  private readonly pruning: NodeJS.Timeout | undefined;
  /** One per context: its generations step together, so each decode batches all of them. */
  private readonly steps: readonly DecodeSteps[];
  /** The business's persona evaluated once and loaded into a new conversation's sequence (with a KV tier). */
  private readonly personaPrefixes: PersonaPrefixes | undefined;

  private constructor(
    private readonly llama: Llama,
    private readonly model: LlamaModel,
    private readonly contexts: readonly LlamaContext[],
    private readonly pool: SequencePool,
    private readonly options: LlamaChatModelOptions,
    private readonly kvTiers: KvTiers | undefined,
    /** Which native binding runs: the local build (scripts/build-binding.sh) or node-llama-cpp's prebuilt binary. */
    readonly binding: string,
  ) {
    this.format = new PromptFormat(model);
    // Persona prefixes take at most a quarter of the nearest tier, beside the conversations.
    const nearest = kvTiers?.ram ?? kvTiers?.disk;
    const personaPrefixes = (this.personaPrefixes =
      nearest && options.kvTiers && options.kvTiers.personaPrefix !== false
        ? new PersonaPrefixes({ dir: nearest.dir, maxBytes: nearest.maxBytes / 4, maxAgeMs: options.kvTiers.maxAgeMs }, (system) =>
            this.format.systemPrefix(system),
          )
        : undefined);
    if (kvTiers && options.kvTiers) {
      const every = Math.max(1000, Math.min(options.kvTiers.maxAgeMs / 4, 15 * 60_000));
      this.pruning = setInterval(() => void kvTiers.prune().then(() => personaPrefixes?.prune()), every).unref();
    }
    this.steps = contexts.map((context) => new DecodeSteps(context));
  }

  get controlMarkers(): readonly string[] {
    return this.format.template.controlMarkers;
  }

  static async load(options: LlamaChatModelOptions): Promise<LlamaChatModel> {
    await checkModelFile(options.modelPath);
    const local = await localBinding();
    const llama = await getLlama({
      gpu: false,
      build: "never",
      maxThreads: options.threads * Math.max(1, Math.min(options.contexts ?? 1, options.sequences)),
      logLevel: LlamaLogLevel.error,
    });
    let model: LlamaModel;
    try {
      model = await llama.loadModel({ modelPath: options.modelPath });
    } catch (error) {
      await llama.dispose();
      throw new FatalError("MODEL_FILE_CORRUPT", `model file could not be loaded: ${options.modelPath} (${(error as Error).message})`, {
        cause: error,
      });
    }
    // Several contexts decode in parallel, each on its own threads; sequences are spread over them.
    const contextCount = Math.max(1, Math.min(options.contexts ?? 1, options.sequences));
    const contexts: LlamaContext[] = [];
    const sequences: Array<{ sequence: LlamaContextSequence; group: number; slot: number }> = [];
    for (let c = 0; c < contextCount; c++) {
      const perContext = Math.floor(options.sequences / contextCount) + (c < options.sequences % contextCount ? 1 : 0);
      const context = await model.createContext({
        contextSize: options.contextSize,
        sequences: perContext,
        threads: options.threads,
        batching: { itemPrioritizationStrategy: inSequenceOrder },
        ...(options.kvCacheType
          ? { experimentalKvCacheKeyType: options.kvCacheType as never, experimentalKvCacheValueType: options.kvCacheType as never }
          : {}),
      });
      contexts.push(context);
      for (let i = 0; i < perContext; i++) sequences.push({ sequence: context.getSequence(), group: c, slot: i });
    }
    const perContext = contexts.map((_, c) => sequences.filter((s) => s.group === c).length);
    const kvTiers = options.kvTiers
      ? await KvTiers.open(options.kvTiers, await KvStateDir.fingerprintOf(options.modelPath, options.kvCacheType, perContext))
      : undefined;
    return new LlamaChatModel(llama, model, contexts, new SequencePool(sequences), options, kvTiers, await describeBinding(llama.buildType, local));
  }

  get contextSize(): number {
    return Math.min(this.options.contextSize, ...this.contexts.map((c) => c.contextSize));
  }

  get description(): string {
    return `${this.model.filename ?? this.options.modelPath} (${this.format.template.name} template, ${this.options.sequences} sequences x ${this.contextSize} tokens, ${this.contexts.length} x ${this.options.threads} threads; saved KV: ${this.kvTiers?.description ?? "off"}; ${this.binding})`;
  }

  async renderPrompt(prompt: ChatPrompt): Promise<string> {
    return this.format.render(prompt);
  }

  async countPromptTokens(prompt: ChatPrompt): Promise<number> {
    return this.format.countPrompt(prompt);
  }

  async countTurnTokens(turn: ChatTurn): Promise<number> {
    return this.format.countTurn(turn);
  }

  async generate(prompt: ChatPrompt, options: GenerateOptions): Promise<Generation> {
    const entry = await this.pool.acquire(options.conversationKey);
    // Turns starting together share their first step: it waits for this one while it prepares the sequence.
    const announced = this.steps[entry.group]!.expect();
    // The evicted conversation's save: its file may still be written while this turn decodes; the turn ends after it.
    let evicted: Promise<boolean> | undefined;
    try {
      const { sequence } = entry;
      const tiers = this.kvTiers;
      const key = options.conversationKey;
      if (tiers && entry.evictedKey !== null && entry.evaluated) {
        // A returning conversation restores next, and a file written meanwhile would slow its restore on a busy
        // machine (bench section 7): then the evicted one is saved first. Otherwise its file is written beside the decode.
        const restoresNext = key !== undefined && !options.fresh && tiers.holds(key);
        ({ saved: evicted } = await tiers.evict(entry.evictedKey, sequence, entry.evaluated, !restoresNext));
      }
      let cacheSource: Generation["cacheSource"];
      if (options.fresh) {
        await sequence.clearHistory();
        entry.evaluated = undefined;
        if (tiers && key !== undefined) await tiers.forget(key);
      } else if (tiers && key !== undefined && !entry.pinned) {
        const restored = await tiers.restore(key, sequence);
        if (restored) {
          entry.evaluated = restored.prompt;
          cacheSource = restored.tier;
        } else if (sequence.contextTokens.length === 0) entry.evaluated = undefined;
      }
      const state = this.format.contextState(prompt);
      const shiftedTokens = options.fresh ? 0 : await this.shiftTrimmedTurns(entry, state.contextText);
      // Counted from here: a persona prefix evaluated for this turn is part of what it evaluated.
      const before = sequence.tokenMeter.getState();
      const input = reusablePromptTokens(this.model, state.contextText, entry.evaluated, sequence.contextTokens, this.format.tokenizer);
      if (!options.fresh && cacheSource === undefined && this.personaPrefixes) {
        if ((await this.personaPrefixes.prepare(sequence, prompt.system, input)) === "loaded") cacheSource = "persona";
      }
      // Forget the old prompt first: if this generation fails half way, the cache no longer matches it.
      entry.evaluated = undefined;
      const result = await generateOnSequence(sequence, input, {
        maxTokens: options.maxTokens,
        temperature: options.temperature ?? this.options.temperature ?? BUSINESS_SETTING_DEFAULTS.temperature,
        seed: this.options.seed,
        signal: options.signal ? AbortSignal.any([options.signal, this.closing.signal]) : this.closing.signal,
        stopTexts: state.stopGenerationTriggers.filter((t) => t.values.every((v) => typeof v === "string")).map((t) => t.toString()),
        onTextChunk: options.onTextChunk,
        steps: this.steps[entry.group]!,
        slot: entry.slot,
        announced,
      });
      entry.evaluated = { text: state.contextText, tokens: input };
      // A generation cut short by shutdown must not be stored as a (half) reply: the turn is retried elsewhere.
      if (this.closing.signal.aborted) throw new Error("the model was closed during generation; the turn will be retried");
      const used = sequence.tokenMeter.diff(before);
      return {
        text: result.text,
        promptTokens: this.format.countPrompt(prompt),
        evaluatedTokens: used.usedInputTokens,
        generatedTokens: used.usedOutputTokens,
        ...(shiftedTokens > 0 ? { shiftedTokens } : {}),
        ...(cacheSource ? { cacheSource } : {}),
        stopReason: result.stopReason,
      };
    } finally {
      announced();
      this.pool.release(entry);
      await evicted;
    }
  }

  /**
   * The history was trimmed since this sequence's last prompt: erase the dropped turns from its KV
   * cache and shift the kept ones into place (trim-shift.ts), so they are not read again. Returns
   * how many tokens moved. Off with `trimShift: false`, or when the shapes do not line up.
   */
  private async shiftTrimmedTurns(entry: PooledSequence, next: LlamaText): Promise<number> {
    if (this.options.trimShift === false || entry.evaluated === undefined) return 0;
    const { sequence } = entry;
    const plan = planTrimShift(this.model, entry.evaluated, next, sequence.contextTokens);
    if (!plan) return 0;
    const moved = sequence.contextTokens.length - plan.end;
    const expected = [...plan.evaluated.tokens, ...sequence.contextTokens.slice(entry.evaluated.tokens.length)];
    entry.evaluated = undefined;
    await sequence.eraseContextTokenRanges([{ start: plan.start, end: plan.end }]);
    // node-llama-cpp re-evaluates by itself when the cells could not be removed; then nothing moved as planned.
    if (sequence.contextTokens.length !== expected.length || !startsWith(sequence.contextTokens, expected)) return 0;
    entry.evaluated = plan.evaluated;
    return moved;
  }

  async forget(conversationKey: string): Promise<void> {
    await this.pool.forget(conversationKey);
    await this.kvTiers?.forget(conversationKey);
    // The remembered prompt segments are not kept by conversation: all go (erasure is rare; they are tokenized again).
    this.format.forgetRemembered();
  }

  async close(): Promise<void> {
    this.closing.abort();
    clearInterval(this.pruning);
    await this.kvTiers?.settle();
    await this.pool.dispose();
    for (const context of this.contexts) await context.dispose();
    await this.model.dispose();
    await this.llama.dispose();
  }
}
