import { randomBytes } from 'node:crypto';
import { inspect } from 'node:util';
import { describe, expect, it } from '@jest/globals';
import {
  EncryptionKeyring,
  generateEncryptionKey,
  InvalidEncryptionKeysError,
  parseEncryptionKeys,
} from './keyring.js';

const key32 = () => randomBytes(32).toString('base64');

describe('parseEncryptionKeys', () => {
  it('makes the first key primary and keeps every key for decryption', () => {
    const result = parseEncryptionKeys(` k2:${key32()} , k1:${key32()}`);
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.keyring.primaryKeyId).toBe('k2');
    expect(result.keyring.keyIds).toEqual(['k2', 'k1']);
  });

  it('lists every problem at once', () => {
    const short = randomBytes(16).toString('base64');
    const result = parseEncryptionKeys(
      `k1:${short},k1:${key32()},bad id!:${key32()},k3:not*base64,,nocolon,k4:`,
    );
    expect(result).toEqual({
      ok: false,
      problems: [
        "key 'k1' is 16 bytes, expected 32",
        "key id 'k1' appears more than once",
        'entry 3: key id must match [A-Za-z0-9_-]{1,32}',
        "key 'k3' is not valid base64",
        'entry 5 is empty',
        "entry 6 has no ':' between key id and key",
        "key 'k4' is not valid base64",
      ],
    });
  });

  it('rejects an empty or missing value', () => {
    expect(parseEncryptionKeys('')).toMatchObject({
      ok: false,
      problems: [expect.stringContaining('no keys')],
    });
    expect(parseEncryptionKeys(undefined)).toMatchObject({ ok: false });
  });

  it('rejects key ids longer than 32 characters', () => {
    expect(parseEncryptionKeys(`${'a'.repeat(33)}:${key32()}`)).toMatchObject({ ok: false });
  });

  it('never echoes key material, even when the key is pasted where the id belongs', () => {
    const material = key32();
    const wrongLength = randomBytes(31).toString('base64');
    const result = parseEncryptionKeys(`${material},${material}:k1,k2:${wrongLength},k3:${material}x`);
    expect(result.ok).toBe(false);
    const rendered = JSON.stringify(result);
    for (const secret of [material, wrongLength, material.slice(0, 12), wrongLength.slice(0, 12)]) {
      expect(rendered).not.toContain(secret);
    }
  });
});

describe('EncryptionKeyring', () => {
  it('parse throws one error naming every problem', () => {
    expect(() => EncryptionKeyring.parse('k1:abcd,k1:abcd')).toThrow(InvalidEncryptionKeysError);
    expect(() => EncryptionKeyring.parse('k1:abcd,k1:abcd')).toThrow(
      expect.objectContaining({
        problems: ["key 'k1' is 3 bytes, expected 32", "key id 'k1' appears more than once"],
      }),
    );
  });

  it('does not reveal key material when inspected or serialised', () => {
    const entry = generateEncryptionKey('k1');
    const material = entry.split(':')[1] ?? '';
    const keyring = EncryptionKeyring.parse(entry);
    const hex = Buffer.from(material, 'base64').toString('hex');
    for (const rendered of [inspect(keyring, { showHidden: true, depth: 5 }), JSON.stringify(keyring)]) {
      expect(rendered).not.toContain(material);
      expect(rendered).not.toContain(hex);
    }
  });
});

describe('generateEncryptionKey', () => {
  it('produces an entry the parser accepts', () => {
    const entry = generateEncryptionKey('dev-2024');
    expect(entry).toMatch(/^dev-2024:[A-Za-z0-9+/]{43}=$/);
    expect(EncryptionKeyring.parse(entry).primaryKeyId).toBe('dev-2024');
  });

  it('produces a different key every time', () => {
    expect(generateEncryptionKey('k')).not.toBe(generateEncryptionKey('k'));
  });

  it('refuses a key id the format cannot carry', () => {
    expect(() => generateEncryptionKey('has:colon')).toThrow(InvalidEncryptionKeysError);
  });
});
