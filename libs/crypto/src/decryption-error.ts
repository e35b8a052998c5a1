export type DecryptionFailure = 'malformed' | 'unsupported_version' | 'unknown_key' | 'authentication_failed';

/**
 * A stored secret could not be decrypted. The message names only the reason and, where known, the key id:
 * never plaintext, key material or ciphertext bytes, so it is safe to log and to keep in `lastError`.
 * `authentication_failed` covers tampering, a wrong key with a reused id, and a wrong associated data
 * (a value copied to another row or column); GCM cannot tell these apart, and neither should we.
 */
export class DecryptionError extends Error {
  override readonly name = 'DecryptionError';

  constructor(
    readonly reason: DecryptionFailure,
    readonly keyId?: string,
  ) {
    super(describe(reason, keyId));
  }
}

function describe(reason: DecryptionFailure, keyId: string | undefined): string {
  const messages: Record<DecryptionFailure, string> = {
    malformed: 'cannot decrypt: the ciphertext is truncated or not in the expected format',
    unsupported_version: 'cannot decrypt: unsupported ciphertext format version',
    unknown_key: `cannot decrypt: key '${keyId}' is not in the keyring`,
    authentication_failed: `cannot decrypt: authentication failed with key '${keyId}' (tampered data, wrong key or wrong context)`,
  };
  return messages[reason];
}
