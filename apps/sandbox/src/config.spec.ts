import { describe, expect, it } from '@jest/globals';

import { DEFAULT_SANDBOX_CLIENT } from '#libs/sandbox';

import { sandboxOptionsFromEnv } from './config.js';

describe('sandboxOptionsFromEnv', () => {
  it('defaults to port 3001 on loopback with the demo client', () => {
    expect(sandboxOptionsFromEnv({})).toEqual({
      port: 3001,
      host: '127.0.0.1',
      publicUrl: undefined,
      clients: [DEFAULT_SANDBOX_CLIENT],
      accessTokenTtlSeconds: undefined,
      refreshTokenTtlSeconds: undefined,
    });
  });

  it('reads the client, redirect URIs and lifetimes', () => {
    const options = sandboxOptionsFromEnv({
      SANDBOX_PORT: '0',
      SANDBOX_CLIENT_ID: 'broker',
      SANDBOX_CLIENT_SECRET: 's3cret',
      SANDBOX_REDIRECT_URIS: 'http://localhost:3000/v1/oauth/callback, http://localhost:4000/cb',
      SANDBOX_ACCESS_TOKEN_TTL: '30',
      SANDBOX_REFRESH_TOKEN_TTL: '600',
    });

    expect(options).toMatchObject({
      port: 0,
      clients: [
        {
          clientId: 'broker',
          clientSecret: 's3cret',
          redirectUris: ['http://localhost:3000/v1/oauth/callback', 'http://localhost:4000/cb'],
        },
      ],
      accessTokenTtlSeconds: 30,
      refreshTokenTtlSeconds: 600,
    });
  });

  it.each([
    ['SANDBOX_PORT', '70000'],
    ['SANDBOX_PORT', 'abc'],
    ['SANDBOX_ACCESS_TOKEN_TTL', '0'],
    ['SANDBOX_REFRESH_TOKEN_TTL', '1.5'],
    ['SANDBOX_REDIRECT_URIS', '/relative'],
    ['SANDBOX_PUBLIC_URL', 'localhost:3001'],
  ])('names %s when its value %p is bad', (name, value) => {
    expect(() => sandboxOptionsFromEnv({ [name]: value })).toThrow(name);
  });
});
