import { WordChatModel } from "../../test-kit/in-memory/word-chat-model.js";
import { loadTinyChatModel } from "../../test-kit/tiny-chat-model.js";
import { chatModelContract } from "./chat-model.contract.js";

chatModelContract("node-llama-cpp, tiny model", () => loadTinyChatModel({ contextSize: 512 }));
// Its reply longer than any maxTokens asked here, so the abort and the cut are what stop it.
chatModelContract("in memory (WordChatModel)", async () => new WordChatModel(() => "Yes, we do open then. ".repeat(40)));
