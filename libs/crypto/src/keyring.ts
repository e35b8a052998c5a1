import { createSecretKey, randomBytes, type KeyObject } from 'node:crypto';

/** AES-256 needs exactly 32 bytes of key material. */
export const ENCRYPTION_KEY_BYTES = 32;

/**
 * Key ids are written into every ciphertext (one length byte + ASCII), so they must stay short and
 * printable. Ids are not secret and appear in messages; a 32-byte key is 44 base64 characters, so key
 * material can never pass as an id and be echoed that way.
 */
const KEY_ID_PATTERN = /^[A-Za-z0-9_-]{1,32}$/;
const BASE64_PATTERN = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

export type KeyringParseResult = { ok: true; keyring: EncryptionKeyring } | { ok: false; problems: string[] };

export class InvalidEncryptionKeysError extends Error {
  override readonly name = 'InvalidEncryptionKeysError';

  constructor(readonly problems: string[]) {
    super(`invalid encryption keys: ${problems.join('; ')}`);
  }
}

/**
 * The set of AES-256 keys the service knows. The first key encrypts new values; every key decrypts,
 * which is what makes rotation possible: prepend a new key, re-encrypt rows, then drop the old one.
 *
 * Keys live in `#private` fields as `KeyObject`s so neither `util.inspect`, `JSON.stringify` nor a
 * careless log line can print key material.
 */
export class EncryptionKeyring {
  readonly #keys: ReadonlyMap<string, KeyObject>;
  readonly #primaryKeyId: string;

  constructor(keys: ReadonlyArray<readonly [keyId: string, key: KeyObject]>) {
    if (keys.length === 0) throw new InvalidEncryptionKeysError(['at least one key is required']);
    for (const [keyId, key] of keys) {
      if (!KEY_ID_PATTERN.test(keyId)) {
        throw new InvalidEncryptionKeysError(['key ids must match [A-Za-z0-9_-]{1,32}']);
      }
      if (key.type !== 'secret' || key.symmetricKeySize !== ENCRYPTION_KEY_BYTES) {
        throw new InvalidEncryptionKeysError([
          `key '${keyId}' is not a ${ENCRYPTION_KEY_BYTES}-byte secret key`,
        ]);
      }
    }
    this.#keys = new Map(keys);
    if (this.#keys.size !== keys.length) throw new InvalidEncryptionKeysError(['duplicate key ids']);
    const [primary] = keys;
    if (!primary) throw new InvalidEncryptionKeysError(['no keys']);
    this.#primaryKeyId = primary[0];
  }

  /** Parses the `BROKER_ENCRYPTION_KEYS` format and throws every problem at once. */
  static parse(raw: string | undefined): EncryptionKeyring {
    const result = parseEncryptionKeys(raw);
    if (!result.ok) throw new InvalidEncryptionKeysError(result.problems);
    return result.keyring;
  }

  get primaryKeyId(): string {
    return this.#primaryKeyId;
  }

  get primaryKey(): KeyObject {
    return this.#keys.get(this.#primaryKeyId)!;
  }

  get keyIds(): string[] {
    return [...this.#keys.keys()];
  }

  key(keyId: string): KeyObject | undefined {
    return this.#keys.get(keyId);
  }
}

/**
 * Parses `keyId:base64,keyId:base64,...`. Problems are collected, not thrown, so a config validator can
 * list them next to other bad variables. No problem ever quotes key material, and an entry is named by its
 * key id only when that id is valid: an invalid "id" might be a key pasted into the wrong place.
 */
export function parseEncryptionKeys(raw: string | undefined): KeyringParseResult {
  const entries = (raw ?? '').split(',').map((entry) => entry.trim());
  if (entries.length === 1 && entries[0] === '') {
    return { ok: false, problems: ['no keys given; expected comma-separated keyId:base64-of-32-bytes'] };
  }

  const problems: string[] = [];
  const keys: Array<[string, KeyObject]> = [];
  const seen = new Set<string>();
  entries.forEach((entry, index) => {
    const parsed = parseEntry(entry, `entry ${index + 1}`, seen);
    if (typeof parsed === 'string') problems.push(parsed);
    else keys.push(parsed);
  });

  return problems.length > 0 ? { ok: false, problems } : { ok: true, keyring: new EncryptionKeyring(keys) };
}

/** One `keyId:base64` entry: the key, or a problem description. */
function parseEntry(entry: string, position: string, seen: Set<string>): [string, KeyObject] | string {
  if (entry === '') return `${position} is empty`;
  const separator = entry.indexOf(':');
  if (separator < 0) return `${position} has no ':' between key id and key`;

  const keyId = entry.slice(0, separator);
  const encoded = entry.slice(separator + 1);
  if (!KEY_ID_PATTERN.test(keyId)) return `${position}: key id must match [A-Za-z0-9_-]{1,32}`;
  if (seen.has(keyId)) return `key id '${keyId}' appears more than once`;
  seen.add(keyId);
  // Buffer.from(..., 'base64') silently skips invalid characters, so the alphabet is checked first.
  if (!BASE64_PATTERN.test(encoded) || encoded === '') return `key '${keyId}' is not valid base64`;

  const material = Buffer.from(encoded, 'base64');
  try {
    if (material.length !== ENCRYPTION_KEY_BYTES) {
      return `key '${keyId}' is ${material.length} bytes, expected ${ENCRYPTION_KEY_BYTES}`;
    }
    return [keyId, createSecretKey(material)];
  } finally {
    // createSecretKey copies the bytes; do not leave a second copy of the key lying around on the heap.
    material.fill(0);
  }
}

/** A fresh `keyId:base64` entry, e.g. for development secrets generated into DATA_DIR. */
export function generateEncryptionKey(keyId: string): string {
  if (!KEY_ID_PATTERN.test(keyId)) {
    throw new InvalidEncryptionKeysError(['key id must match [A-Za-z0-9_-]{1,32}']);
  }
  return `${keyId}:${randomBytes(ENCRYPTION_KEY_BYTES).toString('base64')}`;
}
