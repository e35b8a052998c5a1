import { describe, expect, it } from '@jest/globals';

import { DEMO_USERS, demoPats } from './demo-data.js';
import { Directory } from './directory.js';

describe('Directory', () => {
  it('derives the same sipgate-shaped demo PATs on every start', () => {
    const pats = demoPats(DEMO_USERS);

    expect(demoPats(DEMO_USERS)).toEqual(pats);
    expect(pats.map((p) => p.tokenId)).toEqual(['token-DEMO01', 'token-DEMO02', 'token-DEMO03']);
    for (const { token } of pats) {
      // The pattern sipgateio checks PAT secrets against.
      expect(token).toMatch(/^[0-9A-F]{8}-[0-9A-F]{4}-4[0-9A-F]{3}-[89AB][0-9A-F]{3}-[0-9A-F]{12}$/i);
    }
    expect(new Set(pats.map((p) => p.token)).size).toBe(pats.length);
  });

  it('resolves a PAT only with its exact secret', () => {
    const directory = new Directory(DEMO_USERS, demoPats(DEMO_USERS));
    const [pat] = directory.pats();

    expect(directory.userForPat(pat!.tokenId, pat!.token)?.name).toBe('Demo Admin');
    expect(directory.userForPat(pat!.tokenId, `${pat!.token}x`)).toBeUndefined();
  });

  it('needs the masterSipId when a sub exists in several accounts', () => {
    const directory = new Directory(DEMO_USERS, []);

    expect(() => directory.addPat({ sub: 'w0' })).toThrow(/masterSipId/);
    expect(directory.addPat({ sub: 'w0', masterSipId: '3141592' })).toMatchObject({ masterSipId: '3141592' });
  });

  it('refuses duplicate users and malformed PAT ids', () => {
    expect(() => new Directory([DEMO_USERS[0]!, DEMO_USERS[0]!], [])).toThrow(/unique/);
    expect(() => new Directory(DEMO_USERS, []).addPat({ sub: 'w1', tokenId: 'pat-1' })).toThrow(
      /token-AB12CD/,
    );
  });
});
