import { BUSINESS_SETTING_DEFAULTS } from "../../src/domain/business-settings.js";
import { stat } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import type { Config } from "../../src/config/index.js";
import type { ModelChoice } from "./bench-model.js";

/** What the figures were measured on. */
export async function describeMachine(config: Config, model: ModelChoice) {
  const cpus = os.cpus();
  return {
    cpus: cpus.length,
    cpuModel: cpus[0]?.model ?? "unknown",
    memoryGb: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    node: process.version,
    modelFile: path.relative(process.cwd(), model.path) || model.path,
    modelMb: Math.round(((await stat(model.path)).size / 2 ** 20) * 10) / 10,
    tinyModel: model.tiny,
    threads: config.model.threads,
    contextSize: config.model.contextSize,
    sequences: config.model.sequences,
    temperature: BUSINESS_SETTING_DEFAULTS.temperature,
    historyChunkTokens: config.model.historyChunkTokens,
    loadAverageAtStart: os.loadavg().map((l) => Math.round(l * 100) / 100),
  };
}
