import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { DecryptionError } from './decryption-error.js';
import { decodeEnvelope, encodeHeader, IV_BYTES, readKeyId, TAG_BYTES } from './envelope.js';
import type { EncryptionKeyring } from './keyring.js';

const ALGORITHM = 'aes-256-gcm';

/**
 * Authenticated encryption of secrets at rest (see envelope.ts for the byte layout).
 *
 * - A fresh random 96-bit IV per value: with random IVs GCM stays safe for about 2^32 encryptions per
 *   key, far beyond what a token broker writes before its keys are rotated.
 * - `aad` binds a ciphertext to its place (e.g. `connection:<id>:refreshToken`). A value copied into
 *   another row or column fails to decrypt instead of silently handing out someone else's token.
 * - There is deliberately no plaintext fallback: anything that is not a valid envelope is an error.
 */
export class SecretCipher {
  constructor(private readonly keyring: EncryptionKeyring) {}

  /** Returns an ArrayBuffer-backed Buffer, which Prisma's `Bytes` (Uint8Array<ArrayBuffer>) accepts. */
  encrypt(plaintext: string, aad: string): Buffer<ArrayBuffer> {
    requireAad(aad);
    const keyId = this.keyring.primaryKeyId;
    const header = encodeHeader(keyId);
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv(ALGORITHM, this.keyring.primaryKey, iv, { authTagLength: TAG_BYTES });
    cipher.setAAD(Buffer.concat([header, Buffer.from(aad, 'utf8')]));
    const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return Buffer.concat([header, iv, ciphertext, cipher.getAuthTag()]);
  }

  /** Throws DecryptionError for an unknown key id, tampering, a wrong aad or an unknown format version. */
  decrypt(data: Uint8Array, aad: string): string {
    requireAad(aad);
    const envelope = decodeEnvelope(data);
    const key = this.keyring.key(envelope.keyId);
    if (!key) throw new DecryptionError('unknown_key', envelope.keyId);

    // authTagLength pins the tag to 16 bytes: without it Node accepts truncated tags, which weakens GCM.
    const decipher = createDecipheriv(ALGORITHM, key, envelope.iv, { authTagLength: TAG_BYTES });
    decipher.setAAD(Buffer.concat([envelope.header, Buffer.from(aad, 'utf8')]));
    decipher.setAuthTag(envelope.tag);
    try {
      return Buffer.concat([decipher.update(envelope.ciphertext), decipher.final()]).toString('utf8');
    } catch {
      // Node's own error says nothing useful and GCM cannot tell tampering from a wrong key or aad.
      throw new DecryptionError('authentication_failed', envelope.keyId);
    }
  }

  /** Which key encrypted this value; reads the header only, no decryption. */
  keyIdOf(data: Uint8Array): string {
    return readKeyId(data);
  }

  /** False means the value should be re-encrypted during a key rotation. */
  isEncryptedWithPrimary(data: Uint8Array): boolean {
    return this.keyIdOf(data) === this.keyring.primaryKeyId;
  }
}

/** An empty aad would silently drop the row binding that the whole scheme relies on. */
function requireAad(aad: string): void {
  if (aad.length === 0) throw new TypeError('associated data must not be empty');
}
