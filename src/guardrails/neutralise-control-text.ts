// Llama-2-chat's template markers, with any spacing and case: [INST] [/INST] <<SYS>> <</SYS>> <s> </s>.
// A partial marker ("[INST" without "]") is caught too, since the model reads it the same way.
const MARKERS = [/\[\s*\/?\s*inst\b\s*\]?/giu, /<{1,2}\s*\/?\s*sys\b\s*>{0,2}/giu, /<\s*\/?\s*s\s*>/giu];

// Look-alikes that the Llama-2 tokenizer never merges with the letters into the marker's tokens.
// Only NFKC would fold the fullwidth brackets back; message text is normalised with NFC only.
const LOOK_ALIKE: Record<string, string> = { "[": "\uFF3B", "]": "\uFF3D", "<": "\u2039", ">": "\u203A" };

/**
 * Makes chat-template control text in user input inert before it reaches a prompt: the brackets
 * of every marker become look-alike characters, so "[INST]" reads as "［INST］" and tokenizes to
 * different tokens. Other text is untouched; applying it twice changes nothing more.
 */
export function neutraliseControlText(text: string): string {
  let out = text;
  for (const marker of MARKERS) out = out.replace(marker, (m) => m.replace(/[[\]<>]/g, (c) => LOOK_ALIKE[c]!));
  return out;
}

/** Whether the text holds something neutraliseControlText would change. */
export function hasControlText(text: string): boolean {
  return neutraliseControlText(text) !== text;
}
