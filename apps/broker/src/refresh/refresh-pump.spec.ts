import { beforeAll, describe, expect, it } from '@jest/globals';
import { Logger } from '@nestjs/common';
import type { BrokerConfig } from '#libs/config';
import type { RefreshMetrics } from '../metrics/refresh-metrics.js';
import { RefreshPump } from './refresh-pump.js';
import type { RefreshClaim, RefreshRepository } from './refresh.repository.js';
import type { TokenRefresher } from './token-refresher.service.js';

const claim = (n: number): RefreshClaim => ({
  connectionId: `c${n}`,
  leaseToken: `l${n}`,
  consumed: new Uint8Array(),
  refreshToken: `r${n}`,
  failureCount: 0,
  refreshDueAt: null,
});

/** A pump over an endless backlog of due rows, whose refreshes finish when the test says so. */
function setup(concurrency: number) {
  const claims: number[] = [];
  const finishers: (() => void)[] = [];
  let next = 0;
  const repository = {
    claimDue: async (limit: number) => {
      claims.push(limit);
      return Array.from({ length: limit }, () => claim(next++));
    },
  } as unknown as RefreshRepository;
  const refresher = {
    leaseMs: 10_000,
    refreshClaimed: () => new Promise<void>((resolve) => finishers.push(resolve)),
  } as unknown as TokenRefresher;
  const metrics = { scheduledStart: () => undefined } as unknown as RefreshMetrics;
  const pump = new RefreshPump({ refresh: { concurrency } } as BrokerConfig, repository, refresher, metrics);
  const settle = () => new Promise((resolve) => setTimeout(resolve, 0));
  const finish = async (count: number) => {
    for (const done of finishers.splice(0, count)) done();
    await settle();
  };
  return { pump, claims, finish, settle };
}

describe('RefreshPump', () => {
  beforeAll(() => Logger.overrideLogger(false));

  it('fills every slot on a tick', async () => {
    const { pump, claims } = setup(16);
    await pump.run();
    expect(claims).toEqual([16]);
    expect(pump.inProgress).toBe(16);
  });

  it('during a backlog, claims again once a quarter of the slots is free, not per finished refresh', async () => {
    const { pump, claims, finish } = setup(16);
    await pump.run();
    await finish(3);
    expect(claims).toEqual([16]);
    await finish(1);
    expect(claims).toEqual([16, 4]);
    expect(pump.inProgress).toBe(16);
  });

  it('still claims at once per finished refresh with few slots', async () => {
    const { pump, claims, finish } = setup(3);
    await pump.run();
    await finish(1);
    expect(claims).toEqual([3, 1]);
  });

  it('leaves fewer free slots than a batch to the next tick', async () => {
    const { pump, claims, finish } = setup(16);
    await pump.run();
    await finish(2);
    await pump.run(); // the tick
    expect(claims).toEqual([16, 2]);
    expect(pump.inProgress).toBe(16);
  });
});
