import { GeneralChatWrapper, Llama2ChatWrapper, resolveChatWrapper, type ChatWrapper, type LlamaModel, type Token } from "node-llama-cpp";
import { toChatHistory } from "./to-chat-history.js";

/** How the loaded model's prompts are written, and what in a text could pass for its control markup. */
export interface ChatTemplate {
  readonly wrapper: ChatWrapper;
  /** The template's name as node-llama-cpp knows it ("Llama2Chat", "Llama3Chat", "ChatML", a Jinja template...). */
  readonly name: string;
  /** An upper bound on the template's tokens around one turn, for choosing where to trim. */
  readonly turnTemplateTokens: number;
  /** The text of the model's control tokens ("<|im_start|>", "<|eot_id|>", "</s>"...): customer text spelling one is made inert. */
  readonly controlMarkers: readonly string[];
}

// Llama-2's [INST], [/INST], </s><s> and spacing around a turn: the least we count per turn.
const MIN_TURN_TEMPLATE_TOKENS = 10;

/**
 * The chat template from the model file (its `tokenizer.chat_template`, else its name and
 * architecture: node-llama-cpp's resolveChatWrapper). A model it cannot place gets Llama-2-chat's,
 * the model this project is built around and the one `model:pull` fetches.
 */
export function chatTemplateOf(model: LlamaModel): ChatTemplate {
  const resolved = resolveChatWrapper(model, { warningLogs: false });
  const wrapper: ChatWrapper = resolved instanceof GeneralChatWrapper ? new Llama2ChatWrapper() : resolved;
  return { wrapper, name: wrapper.wrapperName, turnTemplateTokens: turnTemplateTokens(wrapper, model), controlMarkers: controlMarkers(model) };
}

/** What one turn adds to a prompt beyond its own text: half of a user turn and reply pair, measured on the template. */
function turnTemplateTokens(wrapper: ChatWrapper, model: LlamaModel): number {
  const count = (turns: Array<{ role: "user" | "assistant"; text: string }>) =>
    wrapper.generateContextState({ chatHistory: toChatHistory({ system: "s", turns }) }).contextText.tokenize(model.tokenizer).length;
  const pair =
    count([
      { role: "user", text: "a" },
      { role: "assistant", text: "b" },
      { role: "user", text: "c" },
    ]) - count([{ role: "user", text: "c" }]);
  const own = model.tokenize("a").length + model.tokenize("b").length;
  return Math.max(MIN_TURN_TEMPLATE_TOKENS, Math.ceil((pair - own) / 2));
}

function controlMarkers(model: LlamaModel): string[] {
  const tokens = (model.fileInfo.metadata as { tokenizer?: { ggml?: { tokens?: readonly string[] } } }).tokenizer?.ggml?.tokens ?? [];
  const markers = new Set<string>();
  for (let id = 0; id < tokens.length; id++) {
    const attributes = model.getTokenAttributes(id as Token);
    if (!attributes.control && !attributes.userDefined) continue;
    const text = model.detokenize([id as Token], true).trim();
    // Markup only: a control token spelled as a word would make ordinary words inert.
    if (text.length > 1 && /[<>[\]|｜]/u.test(text)) markers.add(text);
  }
  return [...markers];
}
