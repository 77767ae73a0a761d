import type { ChatProfile, ChatProfileReader } from "../../../ports/chat-profile-reader.js";
import type { Db } from "../create-db.js";
import { withDatabase } from "../db-unavailable.js";

interface Row {
  enabled: boolean;
  chatColor: string | null;
  chatLogoUrl: string | null;
  chatSites: string[];
  businessName: string;
  settings: unknown;
}

/**
 * A web chat channel's page profile. The persona is the one its turns use (load-turn-query): the
 * channel's own, else the business's oldest persona with an active version.
 */
export class ChatProfileRepository implements ChatProfileReader {
  constructor(private readonly db: Db) {}

  async chatProfile(channelKey: string): Promise<ChatProfile | null> {
    const rows = await withDatabase(
      () => this.db.$queryRaw<Row[]>`
        select ch.enabled, ch."chatColor", ch."chatLogoUrl", ch."chatSites", b.name as "businessName", pv.settings
        from "Channel" ch
        join "Business" b on b.id = ch."businessId"
        left join lateral (
          select v.settings
          from "Persona" p join "PersonaVersion" v on v.id = p."activeVersionId"
          where p."businessId" = ch."businessId" and (ch."personaId" is null or p.id = ch."personaId")
          order by p."createdAt" asc, p.id asc
          limit 1
        ) pv on true
        where ch.kind = 'webchat' and ch."platformAccountId" = ${channelKey}`,
    );
    const row = rows[0];
    if (!row) return null;
    const settings = typeof row.settings === "object" && row.settings !== null ? (row.settings as Record<string, unknown>) : {};
    const text = (value: unknown) => (typeof value === "string" && value.trim() !== "" ? value.trim() : null);
    return {
      businessName: row.businessName,
      agentName: text(settings.name),
      disclosure: text(settings.disclosure),
      personaKind: settings.kind === "fan" || settings.kind === "support" ? settings.kind : null,
      color: row.chatColor,
      logoUrl: row.chatLogoUrl,
      sites: row.chatSites,
      open: row.enabled,
    };
  }
}
