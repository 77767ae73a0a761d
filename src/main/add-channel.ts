import { text } from "node:stream/consumers";
import { parseArgs } from "node:util";
import { loadConfig } from "../config/index.js";
import { channelNotVerified, DEFAULT_NAMES } from "../app/admin/add-channel.js";
import { GraphAccountVerifier } from "../adapters/channels/meta/graph-account-verifier.js";
import { InputError } from "../domain/errors.js";
import { sealChannelCredentials } from "../domain/secrets/channel-credentials.js";
import { parseSecretKey } from "../domain/secrets/secret-box.js";
import { createDb } from "../adapters/storage/create-db.js";
import { runMain } from "./run-main.js";

const KINDS = ["whatsapp_cloud", "instagram", "whatsapp_web"] as const;

/**
 * `npm run channel:add -- --business <slug> --kind whatsapp_cloud --account <phone_number_id>`
 * Connects a channel to a business. For Meta channels the access token is read from standard
 * input (not a flag, so it stays out of shell history) and stored sealed with CHANNEL_SECRETS_KEY.
 */
runMain(async (onShutdown) => {
  const { values } = parseArgs({
    options: {
      business: { type: "string" },
      kind: { type: "string" },
      account: { type: "string" },
      name: { type: "string" },
      "allow-groups": { type: "boolean", default: false },
    },
  });
  const kind = KINDS.find((k) => k === values.kind);
  if (!values.business || !kind || !values.account) {
    throw new InputError(
      "USAGE",
      `usage: npm run channel:add -- --business <slug> --kind ${KINDS.join("|")} --account <platform account id> [--name <label>] [--allow-groups]`,
    );
  }
  const config = loadConfig("cli");
  if (!config.databaseUrl) throw new InputError("USAGE", "DATABASE_URL is required");
  const db = createDb(config.databaseUrl);
  onShutdown(() => db.$disconnect());
  const business = await db.business.findUnique({ where: { slug: values.business }, select: { id: true } });
  if (!business) throw new InputError("UNKNOWN_BUSINESS", `no business ${values.business} (create one with npm run seed)`);
  let accessToken = "";
  if (kind !== "whatsapp_web") {
    if (!config.channels.secretsKey) throw new InputError("USAGE", "set CHANNEL_SECRETS_KEY (openssl rand -base64 32) to store channel credentials");
    process.stderr.write("access token (read from standard input): ");
    accessToken = (await text(process.stdin)).trim();
    process.stderr.write("\n");
    if (!accessToken) throw new InputError("USAGE", "no access token on standard input");
    // The Graph API must confirm the token controls this number or account before it is connected.
    const { graphBaseUrl, instagramGraphBaseUrl, graphVersion } = config.channels;
    const check = await new GraphAccountVerifier({ graphBaseUrl, instagramGraphBaseUrl, version: graphVersion }).verify(
      kind,
      values.account,
      accessToken,
    );
    if (!check.ok)
      throw check.reason === "unreachable"
        ? new InputError("PLATFORM_UNAVAILABLE", "the Graph API could not be reached to confirm the account; try again")
        : channelNotVerified();
  }
  const existing = await db.channel.findUnique({
    where: { kind_platformAccountId: { kind, platformAccountId: values.account } },
    select: { businessId: true },
  });
  if (existing && existing.businessId !== business.id)
    throw kind === "whatsapp_web" ? new InputError("CHANNEL_TAKEN", "this platform account is connected to another business") : channelNotVerified();
  if (!existing && (await db.channel.count({ where: { businessId: business.id } })) >= config.channelsPerBusinessMax) {
    throw new InputError(
      "CHANNEL_LIMIT",
      `this business already has ${config.channelsPerBusinessMax} channels, the most this server allows (CHANNELS_PER_BUSINESS_MAX)`,
    );
  }
  const channel = await db.channel.upsert({
    where: { kind_platformAccountId: { kind, platformAccountId: values.account } },
    create: {
      businessId: business.id,
      kind,
      platformAccountId: values.account,
      name: values.name ?? DEFAULT_NAMES[kind],
      settings: { allowGroups: values["allow-groups"] },
    },
    update: { ...(values.name ? { name: values.name } : {}), settings: { allowGroups: values["allow-groups"] } },
  });
  if (channel.businessId !== business.id) throw new InputError("CHANNEL_TAKEN", "this platform account is connected to another business");
  if (kind !== "whatsapp_web") {
    const sealed = sealChannelCredentials({ accessToken, appSecret: "", verifyToken: "" }, parseSecretKey(config.channels.secretsKey!), channel.id);
    const secret = await db.channelSecret.create({
      data: { channelId: channel.id, ciphertext: Buffer.from(sealed.ciphertext), iv: Buffer.from(sealed.iv), tag: Buffer.from(sealed.tag) },
    });
    await db.channel.update({ where: { id: channel.id }, data: { credentialsRef: secret.id } });
  }
  process.stdout.write(`channel ${kind} ${values.account} connected to ${values.business}\n`);
  return "exit";
});
