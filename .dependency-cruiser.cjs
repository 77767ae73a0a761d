// The layers of src/ and what each may import: the picture is in README.md ("The house").
// `npm run lint:layers` checks them, and .ci/run fails on any violation.
//   domain    pure rules and types: messages, personas, guardrails, opening hours, secrets
//   ports     the interfaces use cases need, in the domain's types
//   config    the deployment settings, read once
//   app       use cases: the turn, ingest, admin, alerts, knowledge, persona checks
//   adapters  channels, storage, queue, llm, http, logging: each implements or drives ports
//   main      composition (and dev, the development services and tiny model it starts): may import anything
const DOMAIN = "^src/domain/";
const PORTS = "^src/ports/";
const CONFIG = "^src/config/";
const APP = "^src/app/";
const ADAPTERS = "^src/adapters/";
const MAIN = "^src/(main|dev)/";

module.exports = {
  forbidden: [
    { name: "domain-stays-pure", severity: "error", comment: "Domain rules know no ports, settings, use cases, adapters or composition.", from: { path: DOMAIN }, to: { path: [PORTS, CONFIG, APP, ADAPTERS, MAIN] } },
    { name: "ports-speak-domain", severity: "error", comment: "A port speaks in domain types, never in a use case's, an adapter's or a vendor's.", from: { path: PORTS }, to: { path: [CONFIG, APP, ADAPTERS, MAIN] } },
    { name: "config-is-read-not-reading", severity: "error", comment: "The settings schema depends on nothing but the domain.", from: { path: CONFIG }, to: { path: [PORTS, APP, ADAPTERS, MAIN] } },
    { name: "app-uses-ports-not-adapters", severity: "error", comment: "Use cases reach storage, queues, channels and the model through ports only.", from: { path: APP }, to: { path: [ADAPTERS, MAIN] } },
    { name: "adapters-do-not-reach-each-other", severity: "error", comment: "One adapter never imports another: what they share goes through a port, wired in main.", from: { path: "^src/adapters/([^/]+)/" }, to: { path: ADAPTERS, pathNot: "^src/adapters/$1/" } },
    { name: "only-driving-adapters-call-use-cases", severity: "error", comment: "HTTP and queue consumers drive the use cases; storage, channels and the model are driven.", from: { path: "^src/adapters/(channels|storage|llm|logging)/" }, to: { path: APP } },
    { name: "nothing-imports-main", severity: "error", comment: "src/main composes; nothing but itself depends on it.", from: { pathNot: MAIN }, to: { path: MAIN } },
    { name: "no-circular", severity: "error", comment: "No import cycles that exist at run time (type-only ones are erased).", from: {}, to: { circular: true, viaOnly: { dependencyTypesNot: ["type-only"] } } },
  ],
  options: {
    doNotFollow: { path: "node_modules" },
    includeOnly: "^src/",
    exclude: { path: "^src/adapters/storage/generated/" },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: "tsconfig.json" },
    enhancedResolveOptions: { exportsFields: ["exports"], conditionNames: ["import", "require", "node", "default", "types"], extensions: [".ts", ".js"] },
  },
};
