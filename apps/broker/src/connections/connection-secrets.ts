import { Injectable } from '@nestjs/common';
import { DecryptionError, SecretCipher } from '#libs/crypto';

export type SecretField = 'access_token' | 'refresh_token';

/** A secret, or why no configured key opens it (the error names the key id the value needs). */
export type OpenedSecret = { plaintext: string } | { unreadable: DecryptionError };

/**
 * Seals connection secrets bound to their row and column (AES-GCM associated data), so a ciphertext
 * copied to another row or column fails to decrypt instead of handing out another user's token.
 */
@Injectable()
export class ConnectionSecrets {
  constructor(private readonly cipher: SecretCipher) {}

  seal(connectionId: string, field: SecretField, plaintext: string): Uint8Array<ArrayBuffer> {
    return this.cipher.encrypt(plaintext, connectionSecretAad(connectionId, field));
  }

  open(connectionId: string, field: SecretField, ciphertext: Uint8Array): string {
    return this.cipher.decrypt(ciphertext, connectionSecretAad(connectionId, field));
  }

  /**
   * For callers that must go on without the secret when it cannot be opened (a key removed too
   * early, a restore, replicas with different keys under one id): one such row must not fail
   * the work around it.
   */
  tryOpen(connectionId: string, field: SecretField, ciphertext: Uint8Array): OpenedSecret {
    try {
      return { plaintext: this.open(connectionId, field, ciphertext) };
    } catch (error) {
      if (error instanceof DecryptionError) return { unreadable: error };
      throw error;
    }
  }
}

/** Exported for the key rotation, which must re-seal with exactly the same associated data. */
export const connectionSecretAad = (connectionId: string, field: SecretField) =>
  `connections:${connectionId}:${field}`;
