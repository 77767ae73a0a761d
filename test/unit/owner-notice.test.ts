import { describe, expect, it } from "vitest";
import { ownerNoticeText, parseOwnerReference } from "../../src/domain/owner-notice.js";

describe("parseOwnerReference", () => {
  it("reads each channel's address the way that platform writes it", () => {
    expect(parseOwnerReference("admin:sunrise-owner")).toEqual({ channel: "admin" });
    expect(parseOwnerReference("admin")).toEqual({ channel: "admin" });
    expect(parseOwnerReference("whatsapp_cloud:+34 600-111 222")).toEqual({ channel: "whatsapp_cloud", address: "34600111222" });
    expect(parseOwnerReference("whatsapp_web:+1 (650) 555 0100")).toEqual({ channel: "whatsapp_web", address: "16505550100@c.us" });
    expect(parseOwnerReference("whatsapp_web:16505550100@c.us")).toEqual({ channel: "whatsapp_web", address: "16505550100@c.us" });
    expect(parseOwnerReference("instagram:17841400000000001")).toEqual({ channel: "instagram", address: "17841400000000001" });
    expect(parseOwnerReference("webchat:owner-session-0001")).toEqual({ channel: "webchat", address: "owner-session-0001" });
  });

  it("names what is wrong with an unusable reference, without repeating the address", () => {
    expect(parseOwnerReference("telegram:123")).toEqual({ channel: "invalid", error: expect.stringContaining('"telegram" is not one of admin') });
    expect(parseOwnerReference("instagram:")).toEqual({ channel: "invalid", error: "the persona's owner has no address (to) for instagram" });
    const notPhone = parseOwnerReference("whatsapp_cloud:the owner");
    expect(notPhone).toEqual({ channel: "invalid", error: "the persona's owner address for whatsapp_cloud is not a phone number with country code" });
  });
});

describe("ownerNoticeText", () => {
  const base = { conversationId: "0b8f5f0e-3f7e-4c4b-9a53-3d8e7a0c1f11", publicBaseUrl: "http://127.0.0.1:3000" };
  it("says why and where, with a console link", () => {
    expect(ownerNoticeText({ ...base, reason: "handoff:refund", customerChannel: "whatsapp_cloud" })).toBe(
      "Handoff (refund): someone on WhatsApp needs you; the agent is paused in that conversation. Open http://127.0.0.1:3000/console/#/inbox/0b8f5f0e-3f7e-4c4b-9a53-3d8e7a0c1f11",
    );
    expect(ownerNoticeText({ ...base, reason: "safety:minor-in-danger", customerChannel: "instagram" })).toMatch(
      /^Safety alert \(minor-in-danger\): someone on Instagram needs a person now/,
    );
  });
});
