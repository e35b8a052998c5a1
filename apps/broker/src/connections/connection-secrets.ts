import { Injectable } from '@nestjs/common';
import { SecretCipher } from '#libs/crypto';

export type SecretField = 'access_token' | 'refresh_token';

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
}

/** Exported for the key rotation, which must re-seal with exactly the same associated data. */
export const connectionSecretAad = (connectionId: string, field: SecretField) =>
  `connections:${connectionId}:${field}`;
