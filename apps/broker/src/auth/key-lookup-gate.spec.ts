import { describe, expect, it } from '@jest/globals';
import { KeyLookupGate } from './key-lookup-gate.js';

/** Lookups that finish when the test says so, and a record of how many are running. */
function lookups() {
  let running = 0;
  let most = 0;
  const finishers: (() => void)[] = [];
  const lookup = () => {
    running++;
    most = Math.max(most, running);
    return new Promise<string>((resolve) =>
      finishers.push(() => {
        running--;
        resolve('found');
      }),
    );
  };
  const settle = async () => {
    for (let i = 0; i < 10; i++) await Promise.resolve();
  };
  return { lookup, finishers, settle, most: () => most };
}

describe('KeyLookupGate', () => {
  it('runs at most `concurrency` lookups, queues up to the limit, and refuses the rest at once', async () => {
    const gate = new KeyLookupGate(2, 3);
    const { lookup, finishers, settle, most } = lookups();
    const admitted = Array.from({ length: 5 }, () => gate.tryRun(lookup)!);
    expect(admitted.every((answer) => answer instanceof Promise)).toBe(true);
    expect(gate.tryRun(lookup)).toBeUndefined();
    expect(finishers).toHaveLength(2);

    while (finishers.length) {
      finishers.shift()!();
      await settle();
    }
    expect(await Promise.all(admitted)).toEqual(Array(5).fill('found'));
    expect(most()).toBe(2);
  });

  it('frees the slot of a lookup that fails', async () => {
    const gate = new KeyLookupGate(1, 0);
    await expect(gate.tryRun(() => Promise.reject(new Error('connection refused')))).rejects.toThrow(
      'connection refused',
    );
    await expect(gate.tryRun(() => Promise.resolve('next'))).resolves.toBe('next');
  });
});
