import { beforeAll, describe, expect, it } from '@jest/globals';
import { Logger } from '@nestjs/common';
import type { BrokerConfig } from '#libs/config';
import type { RefreshMetrics } from '../metrics/refresh-metrics.js';
import { RefreshPump } from './refresh-pump.js';
import type { ClaimedBatch, RefreshClaim, RefreshRepository } from './refresh.repository.js';
import type { TokenRefresher } from './token-refresher.service.js';

const claim = (n: number): RefreshClaim => ({
  connectionId: `c${n}`,
  leaseToken: `l${n}`,
  consumed: new Uint8Array(),
  refreshToken: `r${n}`,
  failureCount: 0,
  refreshDueAt: null,
});

/**
 * A pump over an endless backlog of due rows. Claims answer when the test releases them, and
 * refreshes finish when the test says so.
 */
function setup(concurrency: number) {
  const claims: number[] = [];
  const pendingClaims: (() => void)[] = [];
  const finishers: (() => void)[] = [];
  let next = 0;
  const repository = {
    claimDue: (limit: number) => {
      claims.push(limit);
      return new Promise<ClaimedBatch>((resolve) =>
        pendingClaims.push(() =>
          resolve({ claims: Array.from({ length: limit }, () => claim(next++)), setAside: [] }),
        ),
      );
    },
  } as unknown as RefreshRepository;
  const refresher = {
    leaseMs: 10_000,
    refreshClaimed: () => new Promise<void>((resolve) => finishers.push(resolve)),
  } as unknown as TokenRefresher;
  const metrics = { scheduledStart: () => undefined } as unknown as RefreshMetrics;
  const pump = new RefreshPump({ refresh: { concurrency } } as BrokerConfig, repository, refresher, metrics);
  const settle = () => new Promise((resolve) => setTimeout(resolve, 0));
  return {
    pump,
    claims,
    settle,
    answerClaims: async () => {
      for (const answer of pendingClaims.splice(0)) answer();
      await settle();
    },
    finish: async (count: number) => {
      for (const done of finishers.splice(0, count)) done();
      await settle();
    },
  };
}

describe('RefreshPump', () => {
  beforeAll(() => Logger.overrideLogger(false));

  it('fills the free slots and, in a backlog, claims again as refreshes finish', async () => {
    const { pump, claims, answerClaims, finish } = setup(4);
    const tick = pump.run();
    await answerClaims();
    await tick;
    expect(pump.inProgress).toBe(4);
    await finish(1);
    await answerClaims();
    expect(claims).toEqual([4, 1]);
    expect(pump.inProgress).toBe(4);
  });

  it('on drain, waits for the refreshes of a claim that was on its way, and claims nothing more', async () => {
    const { pump, claims, answerClaims, finish, settle } = setup(4);
    void pump.run(); // the claim is on its way
    await settle();
    let drained = false;
    const drain = pump.drain().then(() => (drained = true));
    await answerClaims(); // its rows are leased: their refreshes start
    expect(pump.inProgress).toBe(4);
    await finish(3);
    expect(drained).toBe(false);
    await finish(1);
    await drain;
    expect(drained).toBe(true);
    await pump.run(); // a late tick
    expect(claims).toEqual([4]);
  });

  it('on drain, lets finished refreshes start no claims of their own', async () => {
    const { pump, claims, answerClaims, finish } = setup(2);
    const tick = pump.run();
    await answerClaims();
    await tick;
    const drain = pump.drain();
    await finish(2);
    await drain;
    expect(claims).toEqual([2]);
    expect(pump.inProgress).toBe(0);
  });
});
