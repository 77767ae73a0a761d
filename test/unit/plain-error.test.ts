import { describe, expect, it } from "vitest";
import { validatorCompiler } from "fastify-type-provider-zod";
import { z } from "zod";
import { InputError } from "../../src/domain/errors.js";
import { plainError, plainSentence } from "../../src/adapters/http/plain-error.js";
import { invalidRequest } from "../../src/adapters/http/zod-validation.js";

/** What a route with this body schema answers for this body: fastify-type-provider-zod's issues, as the 400. */
const invalidBody = (schema: z.ZodType, body: unknown): InputError => {
  const result = validatorCompiler({ schema, method: "POST", url: "/", httpPart: "body" })(body) as { error?: Parameters<typeof invalidRequest>[0] };
  if (!result.error) throw new Error("expected the body to be refused");
  return invalidRequest(result.error, "body");
};

describe("errors for people", () => {
  it("names the field in words and keeps its path apart", () => {
    const error = invalidBody(z.object({ systemPrompt: z.string().min(1, "must not be empty") }), { systemPrompt: "" });
    expect(plainError(error)).toEqual({ message: "The instructions can't be empty: fill it in.", field: "body.systemPrompt" });
    // The validator's words and the paths stay in details for forms and scripts.
    expect(error.details?.problems).toEqual([{ field: "body.systemPrompt", message: "must not be empty" }]);
  });

  it("says each problem of a request, without a path or a code in the message", () => {
    const schema = z.object({
      name: z.string().max(3, "at most 3 characters"),
      awayMessage: z.string().min(1, "must not be empty"),
      personaId: z.uuid({ error: "must be a UUID" }),
    });
    const { message, field } = plainError(invalidBody(schema, { name: "Crusty", awayMessage: "", personaId: "x" }));
    expect(field).toBe("body.name");
    expect(message).toBe(
      "Name is too long: shorten it to 3 characters or fewer. The away message can't be empty: fill it in. The persona is not a valid id: pick it again from the list.",
    );
    expect(message).not.toMatch(/body\.|INVALID_REQUEST/);
  });

  it("splits a message that starts with its field", () => {
    const error = new InputError("CHANNEL_TAKEN", "body.platformAccountId: this platform account is already connected", 409);
    expect(plainError(error)).toEqual({ message: "This platform account is already connected.", field: "body.platformAccountId" });
    expect(plainError(new InputError("X", "no such persona", 404))).toEqual({ message: "no such persona" });
  });

  it("reads sentences that already name their subject as they are", () => {
    expect(plainSentence("body.body", "An FAQ answer has at most 2000 characters: shorten it by 720")).toBe(
      "An FAQ answer has at most 2000 characters: shorten it by 720.",
    );
    expect(plainSentence("body.text", "text is empty")).toBe("Text is empty.");
    expect(plainSentence("body.chatPage.color", "a colour is written #rrggbb, like #1a7f5a")).toBe("A colour is written #rrggbb, like #1a7f5a.");
    expect(plainSentence("query.limit", "Too big: expected number to be <=200")).toBe("Limit must be at most 200.");
    expect(plainSentence("body.enabled", "Invalid input: expected boolean, received string")).toBe("Enabled must be true or false.");
    expect(plainSentence("body.status", 'Invalid option: expected one of "open"|"resolved"')).toBe('Status must be one of "open", "resolved".');
  });
});
