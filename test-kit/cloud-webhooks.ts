// WhatsApp Cloud API webhook bodies as Meta sends them (see test/fixtures/meta), for tests and the chaos run.

function cloudChange(phoneNumberId: string, value: Record<string, unknown>): string {
  return JSON.stringify({
    object: "whatsapp_business_account",
    entry: [
      {
        id: "102290129340398",
        changes: [
          {
            field: "messages",
            value: { messaging_product: "whatsapp", metadata: { display_phone_number: "15550783881", phone_number_id: phoneNumberId }, ...value },
          },
        ],
      },
    ],
  });
}

const now = () => String(Math.floor(Date.now() / 1000));

/** One customer text from `from`, with its platform message id. */
export function cloudTextWebhook(
  phoneNumberId: string,
  from: string,
  wamid: string,
  text: string,
  profileName = `Customer ${from.slice(-4)}`,
): string {
  return cloudChange(phoneNumberId, {
    contacts: [{ profile: { name: profileName }, wa_id: from }],
    messages: [{ from, id: wamid, timestamp: now(), type: "text", text: { body: text } }],
  });
}

/** A receipt for what the business sent (sent, delivered, read, failed). */
export function cloudStatusWebhook(phoneNumberId: string, platformMessageId: string, status: string): string {
  return cloudChange(phoneNumberId, { statuses: [{ id: platformMessageId, status, timestamp: now(), recipient_id: "15550000001" }] });
}
