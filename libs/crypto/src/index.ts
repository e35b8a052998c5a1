export { API_KEY_PREFIX, apiKeyMatches, generateApiKey, hashApiKey } from './api-key.js';
export { DecryptionError, type DecryptionFailure } from './decryption-error.js';
export {
  ENCRYPTION_KEY_BYTES,
  EncryptionKeyring,
  generateEncryptionKey,
  InvalidEncryptionKeysError,
  parseEncryptionKeys,
  type KeyringParseResult,
} from './keyring.js';
export { generateOAuthState, generatePkcePair, pkceChallengeS256, type PkcePair } from './oauth-pkce.js';
export { SecretCipher } from './secret-cipher.js';
