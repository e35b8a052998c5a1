import { describe, expect, it } from '@jest/globals';
import { SharedAnswer } from './shared-answer.js';

/** A call whose answers the test releases one at a time, counting how often it was made. */
function controlledCall() {
  const releases: ((outcome: number | Error) => void)[] = [];
  const call = () =>
    new Promise<number>((resolve, reject) =>
      releases.push((outcome) => (outcome instanceof Error ? reject(outcome) : resolve(outcome))),
    );
  return { call, releases };
}

describe('SharedAnswer', () => {
  it('gives concurrent callers the one call in flight', async () => {
    const { call, releases } = controlledCall();
    const shared = new SharedAnswer(call, 1_000, () => 0);
    const answers = Array.from({ length: 100 }, () => shared.get());
    expect(releases).toHaveLength(1);
    releases[0]!(7);
    expect(await Promise.all(answers)).toEqual(Array(100).fill(7));
  });

  it('reuses a settled answer until it is maxAgeMs old, then calls again', async () => {
    let now = 0;
    const { call, releases } = controlledCall();
    const shared = new SharedAnswer(call, 1_000, () => now);
    const first = shared.get();
    now = 5_000; // the call itself took long: its age counts from when it answered
    releases[0]!(1);
    await first;
    now = 5_999;
    await expect(shared.get()).resolves.toBe(1);
    expect(releases).toHaveLength(1);
    now = 6_000;
    const second = shared.get();
    expect(releases).toHaveLength(2);
    releases[1]!(2);
    await expect(second).resolves.toBe(2);
  });

  it('shares and keeps a failure like a value, and asks again after maxAgeMs', async () => {
    let now = 0;
    const { call, releases } = controlledCall();
    const shared = new SharedAnswer(call, 1_000, () => now);
    const failing = [shared.get(), shared.get()];
    releases[0]!(new Error('database down'));
    for (const answer of failing) await expect(answer).rejects.toThrow('database down');
    await expect(shared.get()).rejects.toThrow('database down');
    expect(releases).toHaveLength(1);
    now = 1_000;
    const recovered = shared.get();
    releases[1]!(3);
    await expect(recovered).resolves.toBe(3);
  });
});
