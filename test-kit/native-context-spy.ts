import type { LlamaChatModel } from "../src/adapters/llm/llama-chat-model.js";

export type NativeCall = (...args: unknown[]) => unknown;

/**
 * Observes the native calls of the contexts behind a LlamaChatModel (node-llama-cpp 3.21.1
 * internals: each LlamaContext's `_ctx`): `wrap(name, call)` returns what to call instead, or
 * `call` itself. Re-check after upgrading node-llama-cpp.
 */
export function spyOnNativeContexts(model: LlamaChatModel, wrap: (name: string | symbol, call: NativeCall) => NativeCall): void {
  for (const context of (model as unknown as { contexts: Array<{ _ctx: Record<string, NativeCall> }> }).contexts) {
    context._ctx = new Proxy(context._ctx, {
      get(target, name, receiver) {
        const value = Reflect.get(target, name, receiver) as unknown;
        return typeof value === "function" ? wrap(name, (value as NativeCall).bind(target)) : value;
      },
    });
  }
}
