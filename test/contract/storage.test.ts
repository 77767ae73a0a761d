import { outboxStoreContract } from "./outbox-store.contract.js";
import { inMemoryTurnStorage, postgresTurnStorage } from "./turn-storage.js";
import { turnStoreContract } from "./turn-store.contract.js";

// The in-memory TurnStore and OutboxStore (test-kit/in-memory) are held to the same rules as PostgreSQL's.
turnStoreContract("PostgreSQL", postgresTurnStorage);
turnStoreContract("in memory", inMemoryTurnStorage);
outboxStoreContract("PostgreSQL", postgresTurnStorage);
outboxStoreContract("in memory", inMemoryTurnStorage);
