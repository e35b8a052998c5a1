import { inspect } from 'node:util';
import { describe, expect, it } from '@jest/globals';
import { DecryptionError } from './decryption-error.js';
import { EncryptionKeyring, generateEncryptionKey } from './keyring.js';
import { SecretCipher } from './secret-cipher.js';

const AAD = 'connection:0f0e:refreshToken';
const SECRET = 'eyJhbGciOiJIUzI1NiJ9.refresh-token-value.signature';

function cipherWith(...entries: string[]): SecretCipher {
  return new SecretCipher(EncryptionKeyring.parse(entries.join(',')));
}

function decryptionErrorOf(action: () => unknown): DecryptionError {
  try {
    action();
  } catch (error) {
    if (error instanceof DecryptionError) return error;
    throw error;
  }
  throw new Error('expected a DecryptionError');
}

describe('SecretCipher', () => {
  const k1 = generateEncryptionKey('k1');
  const k2 = generateEncryptionKey('k2');

  it('round-trips UTF-8 text, including the empty string', () => {
    const cipher = cipherWith(k1);
    for (const plaintext of [SECRET, '', 'äöü 🔑']) {
      expect(cipher.decrypt(cipher.encrypt(plaintext, AAD), AAD)).toBe(plaintext);
    }
  });

  it('uses a fresh IV, so equal plaintexts give different ciphertexts', () => {
    const cipher = cipherWith(k1);
    expect(cipher.encrypt(SECRET, AAD).equals(cipher.encrypt(SECRET, AAD))).toBe(false);
  });

  it('never contains the plaintext', () => {
    const ciphertext = cipherWith(k1).encrypt(SECRET, AAD);
    expect(ciphertext.includes(Buffer.from(SECRET))).toBe(false);
    expect(ciphertext.includes(Buffer.from('refresh-token-value'))).toBe(false);
  });

  it('writes the documented layout: version, key id, IV, ciphertext, tag', () => {
    const ciphertext = cipherWith(k1).encrypt('abc', AAD);
    expect(ciphertext[0]).toBe(1);
    expect(ciphertext[1]).toBe(2);
    expect(ciphertext.toString('ascii', 2, 4)).toBe('k1');
    expect(ciphertext.length).toBe(4 + 12 + 3 + 16);
  });

  it('accepts a Uint8Array view such as Prisma returns for Bytes columns', () => {
    const cipher = cipherWith(k1);
    const stored = cipher.encrypt(SECRET, AAD);
    const padded = new Uint8Array(stored.length + 8);
    padded.set(stored, 8);
    expect(cipher.decrypt(padded.subarray(8), AAD)).toBe(SECRET);
  });

  it('fails when the value is moved to another row or column (wrong aad)', () => {
    const cipher = cipherWith(k1);
    const ciphertext = cipher.encrypt(SECRET, AAD);
    const error = decryptionErrorOf(() => cipher.decrypt(ciphertext, 'connection:other:refreshToken'));
    expect(error.reason).toBe('authentication_failed');
  });

  it('fails on any flipped bit, header included', () => {
    const cipher = cipherWith(k1);
    const ciphertext = cipher.encrypt(SECRET, AAD);
    for (let index = 0; index < ciphertext.length; index++) {
      const tampered = Buffer.from(ciphertext);
      tampered.writeUInt8(tampered.readUInt8(index) ^ 0x01, index);
      expect(() => cipher.decrypt(tampered, AAD)).toThrow(DecryptionError);
    }
  });

  it('rejects truncated data, unknown versions and plaintext instead of falling back', () => {
    const cipher = cipherWith(k1);
    const ciphertext = cipher.encrypt(SECRET, AAD);
    expect(decryptionErrorOf(() => cipher.decrypt(ciphertext.subarray(0, 20), AAD)).reason).toBe('malformed');
    expect(decryptionErrorOf(() => cipher.decrypt(Buffer.alloc(0), AAD)).reason).toBe('malformed');
    const v2 = Buffer.from(ciphertext);
    v2[0] = 2;
    expect(decryptionErrorOf(() => cipher.decrypt(v2, AAD)).reason).toBe('unsupported_version');
    expect(() => cipher.decrypt(Buffer.from(SECRET), AAD)).toThrow(DecryptionError);
  });

  it('refuses an empty aad, which would drop the row binding', () => {
    const cipher = cipherWith(k1);
    expect(() => cipher.encrypt(SECRET, '')).toThrow(TypeError);
    expect(() => cipher.decrypt(cipher.encrypt(SECRET, AAD), '')).toThrow(TypeError);
  });

  describe('key rotation', () => {
    it('decrypts with an old key and encrypts with the new primary', () => {
      const before = cipherWith(k1);
      const stored = before.encrypt(SECRET, AAD);

      const after = cipherWith(k2, k1);
      expect(after.decrypt(stored, AAD)).toBe(SECRET);
      expect(after.keyIdOf(stored)).toBe('k1');
      expect(after.isEncryptedWithPrimary(stored)).toBe(false);

      const reEncrypted = after.encrypt(after.decrypt(stored, AAD), AAD);
      expect(after.keyIdOf(reEncrypted)).toBe('k2');
      expect(after.isEncryptedWithPrimary(reEncrypted)).toBe(true);
    });

    it('names the missing key id once the old key has been dropped', () => {
      const stored = cipherWith(k1).encrypt(SECRET, AAD);
      const error = decryptionErrorOf(() => cipherWith(k2).decrypt(stored, AAD));
      expect(error.reason).toBe('unknown_key');
      expect(error.message).toContain("'k1'");
    });

    it('fails authentication when a different key reuses the id', () => {
      const stored = cipherWith(k1).encrypt(SECRET, AAD);
      const impostor = cipherWith(generateEncryptionKey('k1'));
      expect(decryptionErrorOf(() => impostor.decrypt(stored, AAD)).reason).toBe('authentication_failed');
    });
  });

  it('keeps plaintext and key material out of every rendering of an error', () => {
    const stored = cipherWith(k1).encrypt(SECRET, AAD);
    const material = k1.split(':')[1];
    const cipher = cipherWith(k2, k1);
    const errors = [
      decryptionErrorOf(() => cipher.decrypt(stored, 'connection:x:accessToken')),
      decryptionErrorOf(() => cipherWith(k2).decrypt(stored, AAD)),
      decryptionErrorOf(() => cipher.decrypt(Buffer.from(SECRET), AAD)),
    ];
    for (const error of errors) {
      const renderings = [
        error.message,
        error.stack ?? '',
        JSON.stringify(error),
        inspect(error, { depth: 5 }),
      ];
      for (const rendered of renderings) {
        expect(rendered).not.toContain(SECRET);
        expect(rendered).not.toContain(material);
        expect(rendered).not.toContain(stored.toString('hex').slice(8, 40));
      }
    }
  });
});
