export { loadConfig, linkBaseUrl, ConfigError, type Config, type Role } from "./load-config.js";
