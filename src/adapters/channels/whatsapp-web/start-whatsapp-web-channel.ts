import { WhatsappWebChannel, type WhatsappWebChannelOptions } from "./whatsapp-web-channel.js";

/**
 * The inbound path for whatsapp-web.js (an event listener, not HTTP): wires the client's
 * `message` events into `accept` (acceptInbound) and starts connecting (QR pairing on first run).
 * Attach the result to a WhatsappWebAdapter so replies can leave through it.
 */
export function startWhatsappWebChannel(options: WhatsappWebChannelOptions): WhatsappWebChannel {
  const channel = new WhatsappWebChannel(options);
  channel.start();
  return channel;
}
