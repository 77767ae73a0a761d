import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { createWwebClient } from "../../src/adapters/channels/whatsapp-web/create-wweb-client.js";

const dataPath = mkdtempSync(path.join(tmpdir(), "wwebjs-"));
afterAll(() => rmSync(dataPath, { recursive: true, force: true }));

describe("createWwebClient", () => {
  it("wraps a real whatsapp-web.js Client without launching a browser", () => {
    const client = createWwebClient({ clientId: "0b7c9a52-3a55-4d9b-a7a9-2b3f8e0f2d11", dataPath, executablePath: "/usr/bin/chromium" });
    for (const method of ["on", "initialize", "destroy", "sendMessage", "getChatById"] as const) expect(typeof client[method]).toBe("function");
    expect(() => client.on("qr", () => undefined)).not.toThrow();
  });

  it("refuses a client id LocalAuth cannot use as a folder name", () => {
    expect(() => createWwebClient({ clientId: "../escape", dataPath, executablePath: "/usr/bin/chromium" })).toThrow(/clientId/);
  });
});
