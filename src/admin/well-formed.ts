/** Lone UTF-16 surrogates (JSON allows "\ud800") make Prisma fail the whole query; they become U+FFFD. */
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

export function wellFormed(text: string): string {
  return text.replace(LONE_SURROGATE, "\ufffd");
}
