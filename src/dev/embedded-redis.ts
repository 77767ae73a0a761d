import { spawn, type ChildProcess } from "node:child_process";
import { accessSync, constants } from "node:fs";
import path from "node:path";
import { FatalError } from "../domain/errors.js";
import { freePort } from "./free-port.js";

export interface EmbeddedService {
  readonly url: string;
  stop(): Promise<void>;
}

export const REDIS_HOWTO =
  "Redis is needed: set REDIS_URL=redis://host:6379, or install redis-server (Debian/Ubuntu: apt-get install redis-server; macOS: brew install redis), or run `docker compose up -d redis`.";

export function findRedisServer(pathEnv = process.env.PATH ?? ""): string | null {
  for (const dir of pathEnv.split(path.delimiter).filter(Boolean)) {
    const candidate = path.join(dir, "redis-server");
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // keep looking
    }
  }
  return null;
}

/** A private redis-server child process for the demo: loopback only, nothing on disk, noeviction. */
export async function startEmbeddedRedis(): Promise<EmbeddedService> {
  const binary = findRedisServer();
  if (!binary) throw new FatalError("REDIS_MISSING", REDIS_HOWTO);
  const port = await freePort();
  const child = spawn(
    binary,
    [
      "--port",
      String(port),
      "--bind",
      "127.0.0.1",
      "--save",
      "",
      "--appendonly",
      "no",
      "--maxmemory-policy",
      "noeviction",
      "--protected-mode",
      "yes",
    ],
    { stdio: ["ignore", "pipe", "pipe"] },
  );
  await waitForReady(child, port);
  return {
    url: `redis://127.0.0.1:${port}`,
    stop: () => stopChild(child),
  };
}

function waitForReady(child: ChildProcess, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    let output = "";
    const timer = setTimeout(
      () => reject(new FatalError("REDIS_START_FAILED", `redis-server did not start on port ${port}: ${output.trim()}`)),
      10_000,
    );
    const onData = (d: Buffer) => {
      output += d.toString();
      if (output.includes("Ready to accept connections")) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout?.on("data", onData);
    child.stderr?.on("data", onData);
    child.on("exit", (code) => {
      clearTimeout(timer);
      reject(new FatalError("REDIS_START_FAILED", `redis-server exited with code ${code}: ${output.trim()}`));
    });
  });
}

export function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once("exit", () => resolve());
    child.kill("SIGTERM");
    setTimeout(() => child.kill("SIGKILL"), 5000).unref();
  });
}
