interface Pending<I, O> {
  readonly item: I;
  readonly resolve: (value: O) => void;
  readonly reject: (error: unknown) => void;
}

export interface MicroBatcherOptions {
  /** Most items handed to one run. */
  readonly maxBatch: number;
  /** Runs at once; items arriving while all are busy wait and go together into the next run. */
  readonly maxInFlight: number;
}

/**
 * Gathers concurrent calls into batches without a timer: items submitted in the same event-loop
 * turn, or while `maxInFlight` runs are busy, go into one run. An idle system pays no waiting
 * window; under load, batches grow with the time a run takes. `run` answers each item with a
 * value or an Error of its own; a run that throws fails all its items with that error.
 */
export class MicroBatcher<I, O> {
  private readonly pending: Array<Pending<I, O>> = [];
  private inFlight = 0;
  private scheduled = false;

  constructor(
    private readonly run: (items: readonly I[]) => Promise<ReadonlyArray<O | Error>>,
    private readonly options: MicroBatcherOptions,
  ) {}

  submit(item: I): Promise<O> {
    return new Promise<O>((resolve, reject) => {
      this.pending.push({ item, resolve, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => {
          this.scheduled = false;
          this.pump();
        });
      }
    });
  }

  private pump(): void {
    while (this.inFlight < this.options.maxInFlight && this.pending.length > 0) {
      const batch = this.pending.splice(0, this.options.maxBatch);
      this.inFlight++;
      void this.runBatch(batch).finally(() => {
        this.inFlight--;
        this.pump();
      });
    }
  }

  private async runBatch(batch: ReadonlyArray<Pending<I, O>>): Promise<void> {
    try {
      const results = await this.run(batch.map((p) => p.item));
      batch.forEach((p, i) => {
        const result = results[i];
        if (result instanceof Error) p.reject(result);
        else if (result === undefined) p.reject(new Error("the batch gave no result for this item"));
        else p.resolve(result);
      });
    } catch (error) {
      for (const p of batch) p.reject(error);
    }
  }
}
