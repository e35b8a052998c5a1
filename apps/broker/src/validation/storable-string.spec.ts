import { describe, expect, it } from '@jest/globals';
import { plainToInstance } from 'class-transformer';
import { validate } from 'class-validator';
import { IsStorableString } from './storable-string.js';

class Sample {
  @IsStorableString()
  text?: unknown;

  @IsStorableString({ each: true })
  list?: unknown;
}

const messagesFor = async (plain: object) =>
  (await validate(plainToInstance(Sample, plain))).flatMap((error) => Object.values(error.constraints ?? {}));

describe('IsStorableString', () => {
  it.each([
    ['a NUL', 'a\u0000b'],
    ['a lone high surrogate', 'a\ud800'],
    ['a lone low surrogate', '\udc00b'],
    ['surrogates in the wrong order', '\ude00\ud83d'],
  ])('refuses %s, naming the field', async (_case, text) => {
    expect(await messagesFor({ text })).toEqual([
      'text must not contain NUL (U+0000) or unpaired surrogates',
    ]);
  });

  it.each([
    ['an emoji (a surrogate pair)', 'ok \u{1f600}'],
    ['control characters', '\u0001\u0007\t\n\u001b\u007f'],
    ['invisible and bidi characters', '\u200b\u202e\u2028\ufeff'],
    ['the empty string', ''],
  ])('lets %s through', async (_case, text) => {
    expect(await messagesFor({ text })).toEqual([]);
  });

  it('leaves other types to the type checks', async () => {
    expect(await messagesFor({ text: 5, list: [null, 7] })).toEqual([]);
  });

  it('checks every element with each', async () => {
    expect(await messagesFor({ list: ['fine', 'not\u0000'] })).toEqual([
      'each value in list must not contain NUL (U+0000) or unpaired surrogates',
    ]);
  });
});
