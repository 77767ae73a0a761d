import { existsSync } from "node:fs";
import { expect, it } from "vitest";

// src/adapters/llm/sequence-state.ts takes node-llama-cpp's own sequence and context locks through
// lifecycle-utils' acquireLock, whose lock table lives in the module: a second copy of the package
// would hand out locks node-llama-cpp never sees, and a state copy could run beside a decode.
it("lifecycle-utils is the one copy node-llama-cpp uses, so the state copy takes node-llama-cpp's own locks", () => {
  expect(existsSync("node_modules/node-llama-cpp/node_modules/lifecycle-utils")).toBe(false);
  expect(existsSync("node_modules/lifecycle-utils/package.json")).toBe(true);
});
