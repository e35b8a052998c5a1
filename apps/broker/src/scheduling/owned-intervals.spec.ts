import { describe, expect, it } from '@jest/globals';
import { SchedulerRegistry } from '@nestjs/schedule';
import { OwnedIntervals } from './owned-intervals.js';

describe('OwnedIntervals', () => {
  it('registers intervals with the registry and stops only its own', () => {
    const registry = new SchedulerRegistry();
    const refresher = new OwnedIntervals(registry);
    const webhooks = new OwnedIntervals(registry);
    refresher.every('refresh', 60_000, () => undefined);
    webhooks.every('deliveries', 60_000, () => undefined);
    expect(registry.getIntervals().sort()).toEqual(['deliveries', 'refresh']);

    refresher.stop();
    expect(registry.getIntervals()).toEqual(['deliveries']);
    registry.deleteInterval('deliveries'); // as the schedule module's own shutdown may do first
    expect(() => webhooks.stop()).not.toThrow();
    expect(registry.getIntervals()).toEqual([]);
  });
});
