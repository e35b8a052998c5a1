import { mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { generateEncryptionKey } from '#libs/crypto';
import { ConfigError } from './config-error.js';
import { loadBrokerConfig } from './load-broker-config.js';

const tempDataDir = () => mkdtempSync(join(tmpdir(), 'broker-config-'));

function problemsOf(env: NodeJS.ProcessEnv): string[] {
  try {
    loadBrokerConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

const production = {
  NODE_ENV: 'production',
  BROKER_ENCRYPTION_KEYS: generateEncryptionKey('k1'),
  BROKER_ADMIN_API_KEY: 'a'.repeat(40),
  SIPGATE_CLIENT_ID: 'client',
  SIPGATE_CLIENT_SECRET: 'secret',
};

describe('loadBrokerConfig', () => {
  it('applies the documented defaults', () => {
    const { config } = loadBrokerConfig({ DATA_DIR: tempDataDir() });
    expect(config.http).toMatchObject({ port: 3000, host: '127.0.0.1', publicUrl: 'http://localhost:3000' });
    expect(config.http.oauthRedirectUri).toBe('http://localhost:3000/v1/oauth/callback');
    expect(config.sipgate).toMatchObject({ sandbox: true, realm: 'third-party', defaultScopes: ['all'] });
    expect(config.refresh).toEqual({
      marginSeconds: 60,
      schedulerEnabled: true,
      concurrency: 64,
      tickMs: 1000,
    });
    expect(config.databaseUrl).toBeUndefined();
    expect(config.tokenRateLimit).toEqual({ perSecond: 100, burst: 200 });
  });

  it('reads the token rate limit, where 0 turns it off, and refuses nonsense', () => {
    const { config } = loadBrokerConfig({
      DATA_DIR: tempDataDir(),
      TOKEN_RATE_LIMIT_PER_SECOND: '0.5',
      TOKEN_RATE_LIMIT_BURST: '3',
    });
    expect(config.tokenRateLimit).toEqual({ perSecond: 0.5, burst: 3 });
    expect(
      loadBrokerConfig({ DATA_DIR: tempDataDir(), TOKEN_RATE_LIMIT_PER_SECOND: '0' }).config.tokenRateLimit
        .perSecond,
    ).toBe(0);
    const problems = problemsOf({ TOKEN_RATE_LIMIT_PER_SECOND: '-1', TOKEN_RATE_LIMIT_BURST: 'many' });
    expect(problems).toHaveLength(2);
    expect(problems.join('\n')).toMatch(/TOKEN_RATE_LIMIT_PER_SECOND/);
    expect(problems.join('\n')).toMatch(/TOKEN_RATE_LIMIT_BURST/);
  });

  it('names every bad variable in one error', () => {
    const problems = problemsOf({
      PORT: 'abc',
      REFRESH_MARGIN_SECONDS: '-1',
      SIPGATE_LOGIN_URL: 'not a url',
    });
    expect(problems.join('\n')).toMatch(/PORT/);
    expect(problems.join('\n')).toMatch(/REFRESH_MARGIN_SECONDS/);
    expect(problems.join('\n')).toMatch(/SIPGATE_LOGIN_URL/);
    expect(problems).toHaveLength(3);
  });

  it('names a bad key together with the other bad variables', () => {
    const key = Buffer.alloc(16, 7).toString('base64');
    const problems = problemsOf({ PORT: 'abc', BROKER_ENCRYPTION_KEYS: `k1:${key}` }).join('\n');
    expect(problems).toMatch(/PORT/);
    expect(problems).toMatch(/BROKER_ENCRYPTION_KEYS/);
    expect(problems).not.toContain(key);
  });

  it('rejects a 16-byte encryption key without echoing it', () => {
    const key = Buffer.alloc(16, 7).toString('base64');
    const problems = problemsOf({ DATA_DIR: tempDataDir(), BROKER_ENCRYPTION_KEYS: `k1:${key}` });
    expect(problems.join('\n')).toMatch(/BROKER_ENCRYPTION_KEYS/);
    expect(problems.join('\n')).toMatch(/16 bytes/);
    expect(problems.join('\n')).not.toContain(key);
  });

  it('refuses generated secrets and the sandbox in production', () => {
    const problems = problemsOf({ NODE_ENV: 'production' });
    for (const name of [
      'BROKER_ENCRYPTION_KEYS',
      'BROKER_ADMIN_API_KEY',
      'SIPGATE_CLIENT_ID',
      'SIPGATE_CLIENT_SECRET',
    ]) {
      expect(problems.join('\n')).toContain(name);
    }
  });

  it('accepts a complete production configuration and points at sipgate', () => {
    const { config, generated } = loadBrokerConfig(production);
    expect(generated).toBeUndefined();
    expect(config.sipgate).toMatchObject({
      sandbox: false,
      loginUrl: 'https://login.sipgate.com',
      apiUrl: 'https://api.sipgate.com',
    });
  });

  it('generates development secrets once, owner-only, and reuses them', () => {
    const dataDir = tempDataDir();
    const first = loadBrokerConfig({ DATA_DIR: dataDir });
    const second = loadBrokerConfig({ DATA_DIR: dataDir });
    expect(first.generated?.names).toEqual(['BROKER_ENCRYPTION_KEYS', 'BROKER_ADMIN_API_KEY']);
    expect(second.config.adminApiKey).toBe(first.config.adminApiKey);
    expect(statSync(first.generated!.file).mode & 0o777).toBe(0o600);
  });

  it('needs the OAuth client id and secret together', () => {
    expect(problemsOf({ DATA_DIR: tempDataDir(), SIPGATE_CLIENT_ID: 'only-the-id' }).join()).toMatch(
      /SIPGATE_CLIENT_ID and SIPGATE_CLIENT_SECRET/,
    );
  });
});
