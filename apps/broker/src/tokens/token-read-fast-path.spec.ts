import { describe, expect, it } from '@jest/globals';
import type { ArgumentMetadata } from '@nestjs/common';
import { createValidationPipe } from '../problems/validation-pipe.js';
import { UUIDParamDto } from '../validation/uuid-param.dto.js';
import { TokenQueryDto } from './dto/token.dto.js';
import { plainTokenRequest } from './token-read-fast-path.js';

const ID = '6f1c2b9e-8d4a-4e7b-b3a1-0c9d8e7f6a5b';

const IDS = [
  ID,
  ID.toUpperCase(),
  '00000000-0000-0000-0000-000000000000',
  '018f4e6a-9b2c-7d3e-8f40-123456789abc', // v7
  '6f1c2b9e-8d4a-0e7b-b3a1-0c9d8e7f6a5b', // version 0
  '6f1c2b9e-8d4a-4e7b-c3a1-0c9d8e7f6a5b', // variant c
  '6f1c2b9e8d4a4e7bb3a10c9d8e7f6a5b',
  ` ${ID}`,
  'not-a-uuid',
  '',
];

const QUERIES: Record<string, unknown>[] = [
  {},
  { minValidity: '0' },
  { minValidity: '30' },
  { minValidity: '0030' },
  { minValidity: '3600' },
  { minValidity: '3601' },
  { minValidity: '99999' },
  { minValidity: '' },
  { minValidity: ' 1' },
  { minValidity: '+30' },
  { minValidity: '1.5' },
  { minValidity: '1e3' },
  { minValidity: '-1' },
  { minValidity: ['10', '20'] },
  { other: '1' },
  { minValidity: '10', other: '1' },
];

/** What Nest's global ValidationPipe makes of the same path and query, or the error it throws. */
async function throughValidationPipe(params: unknown, query: unknown) {
  const pipe = createValidationPipe();
  const param: ArgumentMetadata = { type: 'param', metatype: UUIDParamDto };
  const queryMeta: ArgumentMetadata = { type: 'query', metatype: TokenQueryDto };
  try {
    const { id } = (await pipe.transform(params, param)) as UUIDParamDto;
    const { minValidity } = (await pipe.transform(query, queryMeta)) as TokenQueryDto;
    return { id, minValidity };
  } catch (error) {
    return error;
  }
}

describe('plainTokenRequest', () => {
  it('reads the id and minValidity of a plain request, 30 by default', () => {
    expect(plainTokenRequest({ id: ID }, {})).toEqual({ id: ID, minValidity: 30 });
    expect(plainTokenRequest({ id: ID }, { minValidity: '120' })).toEqual({ id: ID, minValidity: 120 });
  });

  it('hands the id on in lower case, as UUIDParamDto does', async () => {
    const upper = { id: ID.toUpperCase() };
    expect(plainTokenRequest(upper, {})).toEqual({ id: ID, minValidity: 30 });
    await expect(throughValidationPipe(upper, {})).resolves.toEqual({ id: ID, minValidity: 30 });
  });

  it('leaves everything unusual to the ValidationPipe', () => {
    expect(plainTokenRequest({ id: 'nope' }, {})).toBeUndefined();
    expect(plainTokenRequest({ id: ID }, { minValidity: '3601' })).toBeUndefined();
    expect(plainTokenRequest({ id: ID }, { minValidity: ['1', '2'] })).toBeUndefined();
    expect(plainTokenRequest({ id: ID }, { extra: '1' })).toBeUndefined();
    expect(plainTokenRequest(undefined, {})).toBeUndefined();
  });

  it('accepts nothing the DTOs would refuse, and reads what they read', async () => {
    let accepted = 0;
    for (const id of IDS) {
      for (const query of QUERIES) {
        const plain = plainTokenRequest({ id }, query);
        if (!plain) continue;
        accepted++;
        await expect(throughValidationPipe({ id }, query)).resolves.toEqual(plain);
      }
    }
    expect(accepted).toBeGreaterThan(10);
  });
});
