export type { BrokerConfig, GeneratedSecrets } from './broker-config.js';
export { ConfigError } from './config-error.js';
export { loadBrokerConfig, SANDBOX_CLIENT_ID } from './load-broker-config.js';
