/** The request fields an API error names: its `field` and every problem's (field paths stay in the JSON, out of `message`). */
export function errorFields(body: { error?: { field?: string; details?: { problems?: Array<{ field: string }> } } }): string {
  const error = body.error ?? {};
  return [error.field ?? "", ...(error.details?.problems ?? []).map((p) => p.field)].join(" ");
}
