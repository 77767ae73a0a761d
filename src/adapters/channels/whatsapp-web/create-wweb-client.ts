import wweb from "whatsapp-web.js";
import type { WwebClient, WwebEvents } from "./wweb-client.js";

export interface WwebClientOptions {
  /** One per channel (LocalAuth keeps `session-<clientId>` under dataPath): letters, digits, _ and -. */
  readonly clientId: string;
  /** Folder for the saved WhatsApp Web sessions, e.g. <DATA_DIR>/wwebjs. */
  readonly dataPath: string;
  /** The system Chromium, e.g. /usr/bin/chromium (puppeteer's own download is skipped). */
  readonly executablePath: string;
  readonly headless?: boolean;
  readonly extraArgs?: readonly string[];
}

/** The real whatsapp-web.js Client behind the adapter's small interface. Launches nothing until initialize(). */
export function createWwebClient(options: WwebClientOptions): WwebClient {
  const client = new wweb.Client({
    authStrategy: new wweb.LocalAuth({ clientId: options.clientId, dataPath: options.dataPath }),
    puppeteer: {
      executablePath: options.executablePath,
      headless: options.headless ?? true,
      // --no-sandbox: these machines run as root, where Chromium's sandbox refuses to start.
      args: ["--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu", "--disable-background-networking", ...(options.extraArgs ?? [])],
    },
  });
  return {
    on<K extends keyof WwebEvents>(event: K, listener: (...args: WwebEvents[K]) => void): void {
      client.on(event, listener as (...args: unknown[]) => void);
    },
    initialize: () => client.initialize(),
    destroy: () => client.destroy(),
    logout: () => client.logout(),
    // The library marks the chat read with every message by default; the channel does it once per reply.
    sendMessage: (chatId, text) => client.sendMessage(chatId, text, { sendSeen: false }),
    getChatById: (chatId) => client.getChatById(chatId),
  };
}
