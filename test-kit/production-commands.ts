import { readFileSync } from "node:fs";

/**
 * The commands and environment the deployment files give each process, read from the files
 * themselves, so the tests start exactly what `docker compose up` starts.
 */
export interface ProductionShape {
  /** The Dockerfile's CMD (exec form). */
  readonly imageCommand: readonly string[];
  /** ENV lines of the Dockerfile's last (run) stage. */
  readonly imageEnv: Readonly<Record<string, string>>;
  /** RUN lines of the Dockerfile's build stage. */
  readonly buildSteps: readonly string[];
  /** Each compose service's `command:` (exec form). */
  readonly commands: Readonly<Record<string, readonly string[]>>;
  /** Names of the variables compose sets for the gateway, worker and migration (the shared `&env` block). */
  readonly envNames: readonly string[];
  /** Each compose service's stop_grace_period, in ms (docker's default is 10 s). */
  readonly gracePeriodMs: Readonly<Record<string, number>>;
}

export function readProductionShape(): ProductionShape {
  const dockerfile = readFileSync("Dockerfile", "utf8");
  const stages = dockerfile.split(/^FROM /m).slice(1);
  const runStage = stages.at(-1) ?? "";
  const cmd = /^CMD (\[.*\])$/m.exec(runStage);
  if (!cmd) throw new Error("Dockerfile: no exec-form CMD in the last stage");
  const imageEnv = Object.fromEntries([...runStage.matchAll(/^ENV (\w+)=(\S+)$/gm)].map((m) => [m[1]!, m[2]!]));
  const buildSteps = stages.slice(0, -1).flatMap((stage) => [...stage.matchAll(/^RUN (.+)$/gm)].map((m) => m[1]!));

  const compose = readFileSync("docker-compose.yml", "utf8");
  const services = compose.slice(compose.indexOf("\nservices:"), compose.indexOf("\nvolumes:"));
  const blocks = new Map<string, string>();
  for (const match of services.matchAll(/^ {2}([a-z-]+):\n((?: {4}.*\n|\s*\n)*)/gm)) blocks.set(match[1]!, match[2]!);
  const commands: Record<string, readonly string[]> = {};
  const gracePeriodMs: Record<string, number> = {};
  for (const [name, block] of blocks) {
    const command = /^ {4}command: (\[.*\])$/m.exec(block);
    if (command) commands[name] = JSON.parse(command[1]!) as string[];
    const grace = /^ {4}stop_grace_period: (\d+)s$/m.exec(block);
    gracePeriodMs[name] = grace ? Number(grace[1]) * 1000 : 10_000;
  }
  const envBlock = /^ {4}environment: &env\n((?: {6}.*\n)+)/m.exec(services);
  if (!envBlock) throw new Error("docker-compose.yml: no shared `environment: &env` block");
  const envNames = [...envBlock[1]!.matchAll(/^ {6}(\w+):/gm)].map((m) => m[1]!);
  return { imageCommand: JSON.parse(cmd[1]!) as string[], imageEnv, buildSteps, commands, envNames, gracePeriodMs };
}
