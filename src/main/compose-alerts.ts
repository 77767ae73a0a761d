import type { Agent } from "node:https";
import { OwnerAlerts } from "../app/alerts/owner-alerts.js";
import type { Config } from "../config/index.js";
import type { Logger } from "../ports/logger.js";
import { parseSecretKey } from "../domain/secrets/secret-box.js";
import type { Db } from "../adapters/storage/create-db.js";
import { PushRepository } from "../adapters/storage/admin/push-repository.js";

/** Owner alerts (Web Push) as the gateway and the worker both build them from config. */
export function composeOwnerAlerts(config: Config, db: Db, logger: Logger, agent?: Agent): OwnerAlerts {
  return new OwnerAlerts({
    store: new PushRepository(db),
    secretsKey: config.channels.secretsKey ? parseSecretKey(config.channels.secretsKey) : undefined,
    vapidKeys: config.console.vapidKeys,
    subject: config.console.pushSubject,
    logger: logger.child({ component: "owner-alerts" }),
    ...(agent ? { agent } : {}),
  });
}
