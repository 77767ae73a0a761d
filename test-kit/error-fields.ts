/**
 * The request fields an API error names, each problem as "field: the validator's words", plus its
 * top-level `field` (field paths stay in the JSON, out of the people's `message`).
 */
export function errorFields(body: { error?: { field?: string; details?: { problems?: Array<{ field: string; message: string }> } } }): string {
  const error = body.error ?? {};
  return [error.field ?? "", ...(error.details?.problems ?? []).map((p) => `${p.field}: ${p.message}`)].join("\n");
}
