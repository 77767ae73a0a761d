import { runChannelAdapterContract } from "../channels/adapter-contract.js";
import { metaHarness, webchatHarness, whatsappWebHarness } from "../channels/contract-harnesses.js";

// Every channel adapter against the same contract: web chat over the real Redis reply bus,
// Meta adapters against a fake Graph API server, whatsapp-web.js with a fake client.
runChannelAdapterContract("webchat", webchatHarness);
runChannelAdapterContract("whatsapp_cloud", () => metaHarness("whatsapp_cloud"));
runChannelAdapterContract("instagram", () => metaHarness("instagram"));
runChannelAdapterContract("whatsapp_web", whatsappWebHarness);
