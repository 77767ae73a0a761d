import { chmod, open } from "node:fs/promises";
import os from "node:os";
import { acquireLock } from "lifecycle-utils";
import type { LlamaContextSequence } from "node-llama-cpp";

/**
 * Writes a sequence's state to a new file with `mode` (the bytes llama_state_seq_save_file writes,
 * so `loadStateFromFile` reads it back) and returns the file's size. `tokens` is the sequence's length.
 */
export interface StateWriter {
  readonly tokens: number;
  /** A copy in memory: the sequence may be used again while the file is written. */
  readonly inMemory: boolean;
  write(file: string, mode: number): Promise<number>;
}

/** node-llama-cpp 3.21.1's internals this needs: the addon context, the sequence id and the locks its own saveStateToFile takes. */
interface SequenceInternals {
  readonly _sequenceId: number;
  readonly _lock: object;
  readonly _context: { readonly _ctx: { saveSequenceStateToBuffer?: (sequenceId: number, tokens: Uint32Array) => Promise<Uint8Array> } };
}

/** Whether the native binding can copy a sequence's state into memory (patches/binding/sequence-state-to-memory.diff). */
export function canCopyState(sequence: LlamaContextSequence): boolean {
  return typeof (sequence as unknown as SequenceInternals)._context?._ctx?.saveSequenceStateToBuffer === "function";
}

/**
 * The sequence's state, for a save that must not hold the sequence while the file is written.
 *
 * With the patched binding, the state is copied into memory under the same locks node-llama-cpp's
 * saveStateToFile takes (no decode of the context runs meanwhile), and the sequence is free again
 * as soon as that copy is done: the file is written afterwards, while the next decode runs. That
 * is what llama-server does with its host-RAM prompt cache (a copy in its process). A state larger
 * than a quarter of free memory, or without the patched binding, is written from the sequence
 * first (saveStateToFile), as before: then the sequence is free only once the file is written.
 */
export async function takeState(sequence: LlamaContextSequence, expectedBytes: number): Promise<StateWriter> {
  if (!canCopyState(sequence) || expectedBytes > os.freemem() / 4) return fromSequence(sequence);
  return copyState(sequence).catch(() => fromSequence(sequence));
}

async function copyState(sequence: LlamaContextSequence): Promise<StateWriter> {
  const internals = sequence as unknown as SequenceInternals;
  const evaluatorLock = await acquireLock([internals._lock, "evaluate"]);
  const contextLock = await acquireLock([sequence.context, "context"]);
  let bytes: Uint8Array;
  let tokens: number;
  try {
    const held = sequence.contextTokens;
    tokens = held.length;
    bytes = await internals._context._ctx.saveSequenceStateToBuffer!(internals._sequenceId, Uint32Array.from(held));
  } finally {
    contextLock.dispose();
    evaluatorLock.dispose();
  }
  return {
    tokens,
    inMemory: true,
    async write(file, mode) {
      const handle = await open(file, "w", mode);
      try {
        let offset = 0;
        while (offset < bytes.byteLength) offset += (await handle.write(bytes, offset, bytes.byteLength - offset)).bytesWritten;
      } finally {
        await handle.close();
      }
      return bytes.byteLength;
    },
  };
}

/** A writer that saves straight from the sequence (saveStateToFile): the sequence is busy until it is written. */
export function fromSequence(sequence: LlamaContextSequence): StateWriter {
  return {
    tokens: sequence.contextTokens.length,
    inMemory: false,
    async write(file, mode) {
      const { fileSize } = await sequence.saveStateToFile(file);
      await chmod(file, mode);
      return fileSize;
    },
  };
}
