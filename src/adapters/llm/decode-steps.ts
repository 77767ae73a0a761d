import { acquireLock, withLock } from "lifecycle-utils";
import type { LlamaContext, LlamaContextSequence, Token } from "node-llama-cpp";
import { inSequenceOrder, slotPriority } from "./sequence-order-strategy.js";

/**
 * Runs the decode loop of a context's generations: each step decodes one batch holding every
 * running generation's next token (and a newcomer's prompt, in slices of what the batch has
 * left), then samples each generation's next token, all in one pass of the context.
 *
 * node-llama-cpp's `sequence.evaluate` does the same through its generic machinery (a generator
 * per token, a lock per token, a decode queue dispatched on the next event-loop turn, a sampler
 * configured per token through the same call): on the tiny model that costs ~0.45 ms a token
 * above the decode and the sampling themselves, more than the sampling (bench/README.md, "What
 * changed this round"). Here a step calls the same native functions directly (`initBatch`, `addToBatch`,
 * `decodeBatch`, `sampleToken`) with the same sampler configuration node-llama-cpp builds
 * (`_resolveSamplerConfig`), and keeps the sequence's own bookkeeping (its tokens, its next index,
 * its token meter) as node-llama-cpp does, so everything else on the sequence (erasing, saving
 * and loading state, node-llama-cpp's own evaluations) keeps working. A step holds the context's
 * lock, the one node-llama-cpp's own decodes take, and its dispose guard.
 *
 * With the project's binding (patches/binding/decode-and-sample.diff) the decode and the sampling
 * are one native job on one thread, as in llama-server's loop; with node-llama-cpp's prebuilt
 * binary they are a decode job and a sampling job per generation, as node-llama-cpp runs them.
 *
 * A step starts as soon as every running generation has asked for its next token (so a batch
 * holds all of them), or on the next event-loop turn otherwise. Turns that start together (a
 * burst of messages) announce themselves with `expect()` while they prepare their sequence, and
 * the first step waits for them (at most NEWCOMER_WAIT_MS) so it reads all their prompts at once:
 * otherwise the first prompt is read alone and every other one a step later, one more decode for
 * the whole burst. Uses node-llama-cpp 3.21.1 internals, checked when the steps are created.
 */
export class DecodeSteps {
  private readonly running = new Set<StepGeneration>();
  private queue: StepRequest[] = [];
  private stepping = false;
  private scheduled = false;
  /** Turns announced by `expect()` that have not begun (nor given up) yet. */
  private expected = 0;
  private newcomerWait: NodeJS.Timeout | undefined;

  /** `newcomerWaitMs`: how long a burst's first step waits for announced turns (default NEWCOMER_WAIT_MS). */
  constructor(
    private readonly context: LlamaContext,
    private readonly options: { readonly newcomerWaitMs?: number } = {},
  ) {
    checkInternals(context);
  }

  /**
   * Announces a generation that will begin on this context once its turn has prepared the
   * sequence. Returns the announcement's end: call it when the turn gives up before `begin` (it is
   * ended by `begin` otherwise; more calls do nothing).
   */
  expect(): () => void {
    this.expected++;
    let ended = false;
    return () => {
      if (ended) return;
      ended = true;
      this.expected--;
      this.schedule();
    };
  }

  /**
   * Starts a generation on `sequence` (whose id in the context is `slot`): the sequence is held
   * (node-llama-cpp's evaluation lock) until `end`. `announced` is what `expect()` returned for it.
   */
  async begin(sequence: LlamaContextSequence, slot: number, sampling: SamplingOptions, announced?: () => void): Promise<StepGeneration> {
    const internals = sequence as unknown as SequenceInternals;
    if (typeof internals._resolveSamplerConfig !== "function" || !Array.isArray(internals._contextTokens))
      throw new Error("decode steps: node-llama-cpp's sequence internals changed; see decode-steps.ts");
    if (internals._loadedTokenPredictions.length > 0) throw new Error("decode steps: the sequence holds token predictions");
    const lock = await acquireLock([internals._lock, "evaluate"]);
    const llama = (sequence.model as unknown as ModelInternals)._llama;
    const sampler = new llama._bindings.AddonSampler((sequence.model as unknown as ModelInternals)._model);
    const generation = new StepGeneration(this, internals, slot, sampler, sampling, () => {
      this.running.delete(generation);
      sampler.dispose();
      lock.dispose();
      this.schedule();
    });
    this.running.add(generation);
    announced?.();
    return generation;
  }

  /** @internal */
  request(request: StepRequest): void {
    this.queue.push(request);
    this.schedule();
  }

  private schedule(): void {
    if (this.stepping || this.queue.length === 0) return;
    // A burst's first step waits for its announced turns, not long; once a generation has stepped, nothing waits for newcomers.
    if (this.awaitsNewcomers()) return this.waitForNewcomers();
    if (this.queue.length >= this.running.size) {
      this.stepping = true;
      queueMicrotask(() => void this.step());
    } else if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => {
        this.scheduled = false;
        if (this.awaitsNewcomers()) this.waitForNewcomers();
        else this.startStep();
      });
    }
  }

  private awaitsNewcomers(): boolean {
    if (this.expected === 0) return false;
    for (const generation of this.running) if (generation.stepped) return false;
    return true;
  }

  /** The step starts when the announced turns have asked, or when the bound has passed, whichever is first. */
  private waitForNewcomers(): void {
    this.newcomerWait ??= setTimeout(() => this.startStep(), this.options.newcomerWaitMs ?? NEWCOMER_WAIT_MS);
  }

  private startStep(): void {
    if (this.stepping || this.queue.length === 0) return;
    this.stepping = true;
    void this.step();
  }

  private async step(): Promise<void> {
    clearTimeout(this.newcomerWait);
    this.newcomerWait = undefined;
    const requests = this.queue;
    this.queue = [];
    const done: Done[] = [];
    try {
      await withLock([this.context, "context"], async () => {
        const guard = (this.context as unknown as ContextInternals)._backendContextDisposeGuard.createPreventDisposalHandle();
        try {
          await this.decodeAndSample(requests, done);
        } finally {
          guard.dispose();
        }
      });
    } catch (error) {
      for (const request of requests) if (!done.some((d) => d.request === request)) request.reject(error);
      this.queue = this.queue.filter((r) => !requests.includes(r));
    }
    for (const d of done) {
      if ("error" in d) d.request.reject(d.error);
      else d.request.resolve(d.token);
    }
    this.stepping = false;
    this.schedule();
  }

  private async decodeAndSample(all: StepRequest[], done: Done[]): Promise<void> {
    const native = (this.context as unknown as ContextInternals)._ctx;
    // A request that would overflow its sequence fails alone; the others' step goes on.
    const requests = all.filter((request) => {
      const fits = request.generation.sequence._nextTokenIndex + request.tokens.length <= this.context.contextSize - 1;
      if (!fits) done.push({ request, error: new Error("decode steps: the sequence is full") });
      return fits;
    });
    if (requests.length === 0) return;
    const plan = inSequenceOrder({
      items: requests.map((request) => ({ tokens: request.tokens, evaluationPriority: slotPriority(request.generation.slot) })) as never,
      size: this.context.batchSize,
    });
    const size = plan.reduce((n, p) => n + p.processAmount, 0);
    native.initBatch(size);
    const added: Array<{ request: StepRequest; amount: number; logitIndex: number | undefined }> = [];
    for (const { item, processAmount } of plan) {
      const request = requests.find((r) => r.tokens === item.tokens)!;
      const sequence = request.generation.sequence;
      const last = processAmount === request.tokens.length;
      const chunk = Uint32Array.from(request.tokens.slice(0, processAmount));
      const logits = native.addToBatch(
        sequence._sequenceId,
        sequence._nextTokenIndex,
        chunk,
        last ? Uint32Array.of(processAmount - 1) : new Uint32Array(0),
      );
      added.push({ request, amount: processAmount, logitIndex: last ? logits[0] : undefined });
    }
    const sampling = added.filter((a) => a.logitIndex !== undefined);
    // With the patched binding one native job decodes and samples (patches/binding/decode-and-sample.diff).
    let fused: Int32Array | undefined;
    if (typeof native.decodeBatchAndSample === "function") {
      for (const { request } of sampling) request.generation.configureSampler();
      fused = await native.decodeBatchAndSample(
        Uint32Array.from(sampling.map((a) => a.logitIndex!)),
        sampling.map((a) => a.request.generation.nativeSampler),
      );
    } else await native.decodeBatch();
    const samples: Array<Promise<void>> = [];
    for (const { request, amount, logitIndex } of added) {
      const sequence = request.generation.sequence;
      request.generation.stepped = true;
      const chunk = request.tokens.slice(0, amount);
      sequence._contextTokens = sequence._contextTokens.concat(chunk);
      sequence._nextTokenIndex += amount;
      const outputs = logitIndex === undefined ? 0 : 1;
      if (amount > outputs) sequence.tokenMeter.useTokens(amount - outputs, "input");
      if (outputs > 0) sequence.tokenMeter.useTokens(outputs, "output");
      if (logitIndex === undefined) {
        // The rest of a long prompt goes into the next step.
        request.tokens = request.tokens.slice(amount);
        this.queue.push(request);
      } else if (fused) done.push(sampled(request, fused[sampling.findIndex((a) => a.request === request)]));
      else
        samples.push(
          request.generation.sample(native, logitIndex).then(
            (token) => void done.push({ request, token }),
            (error: unknown) => void done.push({ request, error }),
          ),
        );
    }
    for (const request of requests) if (!added.some((a) => a.request === request)) this.queue.push(request);
    await Promise.all(samples);
  }
}

/**
 * How long the first step of a burst waits for turns still preparing their sequence (restoring a
 * saved state from disk can take longer; then they join the next step). Measured in bench section
 * 3: the turns of a 2- or 4-turn burst had all asked for their first step 1-6 ms after it began.
 */
const NEWCOMER_WAIT_MS = 5;

type Done = { readonly request: StepRequest; readonly token: Token | undefined } | { readonly request: StepRequest; readonly error: unknown };

function sampled(request: StepRequest, token: number | undefined): Done {
  try {
    return { request, token: sampledToken(token) };
  } catch (error) {
    return { request, error };
  }
}

/** What node-llama-cpp makes of a sampled token: -1 is a failure, nothing is the end. */
function sampledToken(token: number | null | undefined): Token | undefined {
  if (token === -1) throw new Error("Failed to sample next token");
  return token == null ? undefined : (token as Token);
}

export interface SamplingOptions {
  readonly temperature: number;
  readonly seed?: number | undefined;
  readonly repeatPenalty?: { readonly punishTokens: () => Token[]; readonly maxPunishTokens: number; readonly penalty: number } | undefined;
}

/** One generation on a sequence, driven by `DecodeSteps`. */
export class StepGeneration {
  private ended = false;
  /** @internal Some of its tokens have been decoded. */
  stepped = false;

  /** @internal */
  constructor(
    private readonly steps: DecodeSteps,
    /** @internal */ readonly sequence: SequenceInternals,
    /** @internal */ readonly slot: number,
    private readonly sampler: NativeSampler,
    private readonly sampling: SamplingOptions,
    private readonly onEnd: () => void,
  ) {}

  /**
   * Decodes `tokens` after what the sequence holds and samples the token that follows them;
   * undefined when the sampler gives none.
   */
  next(tokens: readonly Token[]): Promise<Token | undefined> {
    if (this.ended) return Promise.reject(new Error("decode steps: the generation has ended"));
    if (tokens.length === 0) return Promise.reject(new Error("decode steps: nothing to decode"));
    return new Promise((resolve, reject) => this.steps.request({ generation: this, tokens: [...tokens], resolve, reject }));
  }

  /** Lets go of the sequence; call once, also after a failure. */
  end(): void {
    if (this.ended) return;
    this.ended = true;
    this.onEnd();
  }

  /** @internal The native sampler, configured by `configureSampler` for the next token. */
  get nativeSampler(): NativeSampler {
    return this.sampler;
  }

  /** @internal node-llama-cpp's configuration for the next token (its repeat penalty follows the tokens so far). */
  configureSampler(): void {
    this.sampler.applyConfig(this.sequence._resolveSamplerConfig(this.sampling));
  }

  /** @internal */
  async sample(native: NativeContext, logitIndex: number): Promise<Token | undefined> {
    this.configureSampler();
    return sampledToken(await native.sampleToken(logitIndex, this.sampler));
  }
}

interface StepRequest {
  readonly generation: StepGeneration;
  tokens: Token[];
  resolve(token: Token | undefined): void;
  reject(error: unknown): void;
}

/** node-llama-cpp 3.21.1 internals used here. */
interface NativeContext {
  initBatch(size: number): void;
  addToBatch(sequenceId: number, firstTokenIndex: number, tokens: Uint32Array, logitIndexes: Uint32Array): Uint32Array;
  decodeBatch(): Promise<void>;
  sampleToken(batchLogitIndex: number, sampler: NativeSampler): Promise<number | undefined>;
  /** The patched binding's decode and sampling in one job: a token per logit index, -1 where none came. */
  decodeBatchAndSample?(logitIndexes: Uint32Array, samplers: NativeSampler[]): Promise<Int32Array>;
}
interface NativeSampler {
  applyConfig(config: object): void;
  dispose(): void;
}
interface ContextInternals {
  readonly _ctx: NativeContext;
  readonly _backendContextDisposeGuard: { createPreventDisposalHandle(): { dispose(): void } };
}
interface SequenceInternals {
  readonly _sequenceId: number;
  readonly _lock: object;
  _contextTokens: Token[];
  _nextTokenIndex: number;
  readonly _loadedTokenPredictions: readonly unknown[];
  readonly tokenMeter: { useTokens(tokens: number, type: "input" | "output"): void };
  _resolveSamplerConfig(options: SamplingOptions): object;
}
interface ModelInternals {
  readonly _model: unknown;
  readonly _llama: { readonly _bindings: { readonly AddonSampler: new (model: unknown) => NativeSampler } };
}

function checkInternals(context: LlamaContext): void {
  const c = context as unknown as Partial<ContextInternals>;
  const model = context.model as unknown as Partial<ModelInternals>;
  const ok =
    typeof c._ctx?.initBatch === "function" &&
    typeof c._ctx.addToBatch === "function" &&
    typeof c._ctx.decodeBatch === "function" &&
    typeof c._ctx.sampleToken === "function" &&
    typeof c._backendContextDisposeGuard?.createPreventDisposalHandle === "function" &&
    typeof model._llama?._bindings?.AddonSampler === "function";
  if (!ok) throw new Error("decode steps: node-llama-cpp's internals changed (context _ctx, dispose guard or AddonSampler); see decode-steps.ts");
}
