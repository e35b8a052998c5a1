import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { ConfigError } from './config-error.js';
import { loadBrokerConfig } from './load-broker-config.js';

const env = (extra: NodeJS.ProcessEnv) => ({
  DATA_DIR: mkdtempSync(join(tmpdir(), 'broker-config-')),
  ...extra,
});
const SECRET = 'whsec-0123456789abcdef0123456789abcdef';

function problemsOf(vars: NodeJS.ProcessEnv): string[] {
  try {
    loadBrokerConfig(env(vars));
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('webhook configuration', () => {
  it('is off without BROKER_WEBHOOK_URL', () => {
    expect(loadBrokerConfig(env({})).config.webhook).toBeNull();
  });

  it('applies defaults for timeout and give-up limits', () => {
    const { config } = loadBrokerConfig(
      env({ BROKER_WEBHOOK_URL: 'https://hooks.example.com/broker', BROKER_WEBHOOK_SECRET: SECRET }),
    );
    expect(config.webhook).toEqual({
      url: 'https://hooks.example.com/broker',
      secret: SECRET,
      timeoutMs: 5_000,
      maxAttempts: 25,
      maxAgeSeconds: 86_400,
    });
  });

  it('needs a secret of at least 32 characters with the URL, and never echoes it', () => {
    expect(problemsOf({ BROKER_WEBHOOK_URL: 'http://127.0.0.1:9/hook' })).toEqual([
      'BROKER_WEBHOOK_SECRET is required when BROKER_WEBHOOK_URL is set',
    ]);
    const short = 'too-short-secret';
    const problems = problemsOf({
      BROKER_WEBHOOK_URL: 'http://127.0.0.1:9/hook',
      BROKER_WEBHOOK_SECRET: short,
    });
    expect(problems.join('\n')).toMatch(/BROKER_WEBHOOK_SECRET must be at least 32 characters/);
    expect(problems.join('\n')).not.toContain(short);
  });

  it('refuses a URL with credentials in it, naming the variable without echoing the value', () => {
    // fetch refuses such a URL on every delivery, with an error message that repeats it whole.
    for (const url of [
      'https://hooks:s3cr3t-password@hooks.example.com/broker',
      'https://s3cr3t-user@hooks.example.com/broker',
    ]) {
      const problems = problemsOf({ BROKER_WEBHOOK_URL: url, BROKER_WEBHOOK_SECRET: SECRET });
      expect(problems).toEqual([expect.stringMatching(/^BROKER_WEBHOOK_URL must not contain credentials/)]);
      expect(problems.join('\n')).not.toMatch(/s3cr3t|hooks\.example\.com/);
    }
  });

  it('refuses a URL that is not http(s) and limits out of range', () => {
    const problems = problemsOf({
      BROKER_WEBHOOK_URL: 'ftp://example.com/hook',
      BROKER_WEBHOOK_SECRET: SECRET,
      BROKER_WEBHOOK_TIMEOUT_MS: '5',
      BROKER_WEBHOOK_MAX_ATTEMPTS: '0',
    });
    expect(problems.join('\n')).toMatch(/BROKER_WEBHOOK_URL/);
    expect(problems.join('\n')).toMatch(/BROKER_WEBHOOK_TIMEOUT_MS/);
    expect(problems.join('\n')).toMatch(/BROKER_WEBHOOK_MAX_ATTEMPTS/);
  });
});
