import type { TinyChatFamily } from "./build-tiny-model.js";

// The templates as the real models' GGUF files carry them (tokenizer.chat_template).

/** Llama-2-chat: the tiny model as it is, found by its name (older Llama-2 GGUFs carry no template). */
export const LLAMA2_FAMILY: TinyChatFamily = { name: "llama2" };

/** Llama 3 instruct: header tokens around each role, <|eot_id|> ends a turn. */
export const LLAMA3_FAMILY: TinyChatFamily = {
  name: "llama3",
  controlTokens: ["<|begin_of_text|>", "<|end_of_text|>", "<|start_header_id|>", "<|end_header_id|>", "<|eot_id|>"],
  bos: "<|begin_of_text|>",
  eos: "<|eot_id|>",
  chatTemplate:
    "{% set loop_messages = messages %}{% for message in loop_messages %}{% set content = '<|start_header_id|>' + message['role'] + '<|end_header_id|>\n\n'+ message['content'] | trim + '<|eot_id|>' %}{% if loop.index0 == 0 %}{% set content = bos_token + content %}{% endif %}{{ content }}{% endfor %}{% if add_generation_prompt %}{{ '<|start_header_id|>assistant<|end_header_id|>\n\n' }}{% endif %}",
};

/** ChatML (Qwen, many fine-tunes): <|im_start|>role ... <|im_end|>. */
export const CHATML_FAMILY: TinyChatFamily = {
  name: "chatml",
  controlTokens: ["<|im_start|>", "<|im_end|>"],
  eos: "<|im_end|>",
  chatTemplate:
    "{% for message in messages %}{{'<|im_start|>' + message['role'] + '\n' + message['content'] + '<|im_end|>' + '\n'}}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\n' }}{% endif %}",
};

export const TINY_CHAT_FAMILIES = [LLAMA2_FAMILY, LLAMA3_FAMILY, CHATML_FAMILY] as const;
