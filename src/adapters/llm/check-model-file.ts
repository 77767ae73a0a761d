import { open } from "node:fs/promises";
import { FatalError } from "../../domain/errors.js";

/** Fails with a message naming the file when it is missing or is not a GGUF model. */
export async function checkModelFile(modelPath: string): Promise<void> {
  let handle;
  try {
    handle = await open(modelPath, "r");
  } catch (error) {
    throw new FatalError(
      "MODEL_FILE_MISSING",
      `model file not found or unreadable: ${modelPath} (set MODEL_PATH to a Llama-2-chat GGUF file, or run npm run model:pull)`,
      { cause: error },
    );
  }
  try {
    const { bytesRead, buffer } = await handle.read(Buffer.alloc(4), 0, 4, 0);
    if (bytesRead < 4 || buffer.toString("latin1") !== "GGUF") {
      throw new FatalError("MODEL_FILE_CORRUPT", `model file is not a GGUF model: ${modelPath}`);
    }
  } finally {
    await handle.close();
  }
}
