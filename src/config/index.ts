export { loadConfig, ConfigError, type Config, type Role } from "./load-config.js";
