import { describe, expect, it } from '@jest/globals';

import { startSandbox } from './start-sandbox.js';

describe('startSandbox options', () => {
  it('fails at start, not at first login, for a client oidc-provider rejects', async () => {
    await expect(
      startSandbox({ clients: [{ clientId: 'bad', clientSecret: 's', redirectUris: ['not a url'] }] }),
    ).rejects.toThrow('sandbox client bad: redirect_uris must only contain valid uris');
  });

  it.each([
    [{ accessTokenTtlSeconds: 0 }, /accessTokenTtlSeconds/],
    [{ refreshTokenTtlSeconds: 1.5 }, /refreshTokenTtlSeconds/],
    [{ realms: [] }, /realms/],
    [{ realms: ['a/b'] }, /realms/],
  ])('refuses %p', async (options, message) => {
    await expect(startSandbox(options)).rejects.toThrow(message);
  });

  it('uses publicUrl for issuers', async () => {
    const sandbox = await startSandbox({ publicUrl: 'http://sandbox.test:8080/', realms: ['only'] });
    try {
      expect(sandbox.url).toBe('http://sandbox.test:8080');
      expect(sandbox.issuerFor()).toBe('http://sandbox.test:8080/auth/realms/only');
    } finally {
      await sandbox.close();
    }
  });
});
