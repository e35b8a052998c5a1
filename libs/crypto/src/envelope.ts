import { DecryptionError } from './decryption-error.js';

/**
 * Binary layout of an encrypted value, version 1 (AES-256-GCM):
 *
 *   offset      size  field
 *   0           1     version = 0x01
 *   1           1     n = length of the key id (1..32)
 *   2           n     key id, ASCII [A-Za-z0-9_-]
 *   2+n         12    IV (random per value)
 *   14+n        m     ciphertext (same length as the UTF-8 plaintext)
 *   14+n+m      16    GCM authentication tag
 *
 * Bytes 0..2+n are the "header". The header is authenticated together with the caller's associated data
 * (GCM AAD = header || UTF-8 aad), so neither the version nor the key id can be altered unnoticed. The
 * header is self-delimiting, which keeps that concatenation unambiguous.
 *
 * A new version byte is how a future algorithm or layout would be introduced without a flag day.
 */
export const ENVELOPE_VERSION = 0x01;
export const IV_BYTES = 12;
export const TAG_BYTES = 16;

export interface Envelope {
  header: Buffer;
  keyId: string;
  iv: Buffer;
  ciphertext: Buffer;
  tag: Buffer;
}

export function encodeHeader(keyId: string): Buffer<ArrayBuffer> {
  const id = Buffer.from(keyId, 'ascii');
  return Buffer.concat([Buffer.from([ENVELOPE_VERSION, id.length]), id]);
}

/** Reads only the header: enough to learn the key id without touching any key. */
export function readKeyId(data: Uint8Array): string {
  const bytes = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  if (bytes.length < 2) throw new DecryptionError('malformed');
  if (bytes[0] !== ENVELOPE_VERSION) throw new DecryptionError('unsupported_version');
  const idLength = bytes[1] ?? 0;
  if (idLength === 0 || bytes.length < 2 + idLength) throw new DecryptionError('malformed');
  return bytes.toString('ascii', 2, 2 + idLength);
}

export function decodeEnvelope(data: Uint8Array): Envelope {
  const bytes = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  const keyId = readKeyId(bytes);
  const headerLength = 2 + keyId.length;
  if (bytes.length < headerLength + IV_BYTES + TAG_BYTES) throw new DecryptionError('malformed', keyId);
  const ivEnd = headerLength + IV_BYTES;
  const tagStart = bytes.length - TAG_BYTES;
  return {
    header: bytes.subarray(0, headerLength),
    keyId,
    iv: bytes.subarray(headerLength, ivEnd),
    ciphertext: bytes.subarray(ivEnd, tagStart),
    tag: bytes.subarray(tagStart),
  };
}
