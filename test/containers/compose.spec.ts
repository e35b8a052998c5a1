import { beforeAll, describe, expect, it } from '@jest/globals';
import { loadBrokerConfig } from '#libs/config';
import { sandboxOptionsFromEnv } from '../../apps/sandbox/src/config.js';
import { readDockerfile, stageEnv } from './dockerfile.js';
import {
  type ComposeConfig,
  type ComposeService,
  COMPOSE_MISSING,
  composeAvailable,
  renderCompose,
  REQUIRED_ENV,
} from './compose.js';

const describeWithCompose = composeAvailable ? describe : describe.skip;
const PRODUCTION = ['postgres', 'broker-1', 'broker-2'];
const SANDBOX = ['sandbox', 'sandbox-postgres', 'sandbox-broker'];

/**
 * The environment a broker container sees (the image's ENV, then the service's), read by the
 * broker's own loader, for which empty values count as unset.
 */
const brokerConfigOf = (service: ComposeService) => {
  const image = stageEnv(readDockerfile().stages.at(-1)!);
  return loadBrokerConfig({ ...image, ...service.environment }).config;
};

/** docker-compose 1.29 prints short volume syntax (`source:target:mode`). */
const mounts = (service: ComposeService) =>
  (service.volumes ?? []).map((volume) => {
    if (typeof volume !== 'string') return { source: volume.source, target: volume.target };
    const [source, target] = volume.split(':');
    return { source, target };
  });

describeWithCompose(
  composeAvailable ? 'docker-compose.yml' : `docker-compose.yml (${COMPOSE_MISSING})`,
  () => {
    let config: ComposeConfig;
    let services: ComposeConfig['services'];
    beforeAll(() => {
      const rendered = renderCompose({
        ...REQUIRED_ENV,
        SIPGATE_CLIENT_ID: 'client',
        SIPGATE_CLIENT_SECRET: 'secret',
      });
      if (!rendered.config) throw new Error(`docker-compose config failed: ${rendered.stderr}`);
      config = rendered.config;
      services = config.services;
    });

    it('defines Postgres, two broker replicas and, under the sandbox profile only, the sandbox trio', () => {
      expect(Object.keys(services).sort()).toEqual([...PRODUCTION, ...SANDBOX].sort());
      for (const name of PRODUCTION) expect(services[name]!.profiles).toBeUndefined();
      for (const name of SANDBOX) expect(services[name]!.profiles).toEqual(['sandbox']);
    });

    it('keeps Postgres data in a named volume whose name does not depend on the directory', () => {
      const { healthcheck, image } = services.postgres!;
      expect(image).toMatch(/^postgres:18/);
      // Postgres 18 images keep PGDATA in a versioned directory below /var/lib/postgresql.
      expect(mounts(services.postgres!)).toContainEqual(
        expect.objectContaining({ source: 'postgres-data', target: '/var/lib/postgresql' }),
      );
      expect(config.volumes?.['postgres-data']).toEqual({ name: 'sipgate-token-broker-postgres-data' });
      expect(healthcheck!.test.join(' ')).toContain('pg_isready');
      // The sandbox's throw-away database never shares it.
      expect(mounts(services['sandbox-postgres']!)).toEqual([]);
    });

    it('runs both replicas from one image on one database, each started only once Postgres is healthy', () => {
      const [one, two] = [services['broker-1']!, services['broker-2']!];
      for (const broker of [one, two]) {
        expect(broker.depends_on).toEqual({ postgres: { condition: 'service_healthy' } });
        expect(broker.healthcheck!.test.join(' ')).toContain('/health/ready');
        expect(broker.healthcheck!.start_period).toBeDefined();
        expect(broker.environment).toMatchObject({ NODE_ENV: 'production' });
      }
      expect(one.image).toBe(two.image);
      expect(one.environment).toEqual(two.environment); // same keys, same database, same public URL
      expect(new URL(one.environment!.DATABASE_URL!).hostname).toBe('postgres');
      expect(one.ports!.map((p) => p.published)).not.toEqual(two.ports!.map((p) => p.published));
    });

    it("publishes every port on the host's loopback only: the broker and the sandbox speak plain HTTP", () => {
      const published = Object.entries(services).flatMap(([service, { ports }]) =>
        (ports ?? []).map(({ published: port, host_ip }) => ({ service, port, host_ip })),
      );
      expect(published.map(({ service }) => service).sort()).toEqual([
        'broker-1',
        'broker-2',
        'sandbox',
        'sandbox',
      ]);
      for (const port of published) expect(port).toEqual({ ...port, host_ip: '127.0.0.1' });
    });

    it('gives the replicas an environment the broker accepts, with unset options at their defaults', () => {
      const broker = brokerConfigOf(services['broker-1']!);
      expect(broker.production).toBe(true);
      expect(broker.http).toMatchObject({ host: '0.0.0.0', port: 3000, publicUrl: 'http://localhost:3000' });
      expect(broker.sipgate).toMatchObject({
        sandbox: false,
        loginUrl: 'https://login.sipgate.com',
        apiUrl: 'https://api.sipgate.com',
        realm: 'third-party',
        httpTimeoutMs: 5_000,
      });
      expect(broker.refresh).toMatchObject({ marginSeconds: 60, schedulerEnabled: true });
    });

    it('wires the sandbox profile together: client, redirect URI, URLs, network and its own database', () => {
      const sandbox = sandboxOptionsFromEnv(services.sandbox!.environment!);
      const broker = brokerConfigOf(services['sandbox-broker']!);
      expect(sandbox.clients).toEqual([
        {
          clientId: broker.sipgate.clientId,
          clientSecret: broker.sipgate.clientSecret,
          redirectUris: [broker.http.oauthRedirectUri],
        },
      ]);
      expect(sandbox.publicUrl).toBe(broker.sipgate.loginUrl);
      expect(broker.sipgate.apiUrl).toBe(broker.sipgate.loginUrl);
      // One network namespace: the sandbox's published ports are how the browser reaches both.
      expect(services['sandbox-broker']!.network_mode).toBe('service:sandbox');
      const published = services.sandbox!.ports!.map((p) => `${p.published}:${p.target}`);
      expect(published).toEqual(
        expect.arrayContaining([
          `${sandbox.port}:${sandbox.port}`,
          `${broker.http.port}:${broker.http.port}`,
        ]),
      );
      expect(new URL(broker.http.publicUrl).port).toBe(String(broker.http.port));
      expect(new URL(services['sandbox-broker']!.environment!.DATABASE_URL!).hostname).toBe(
        'sandbox-postgres',
      );
      expect(services['sandbox-broker']!.depends_on).toMatchObject({
        'sandbox-postgres': { condition: 'service_healthy' },
      });
    });

    it.each(Object.keys(REQUIRED_ENV))('refuses to render without %s, naming it', (name) => {
      const env: Record<string, string> = { ...REQUIRED_ENV };
      delete env[name];
      const rendered = renderCompose(env);
      expect(rendered.status).not.toBe(0);
      expect(rendered.stderr).toContain(`set ${name}`);
    });

    it('renders without sipgate credentials, so the sandbox profile runs without them', () => {
      const rendered = renderCompose(REQUIRED_ENV);
      expect(rendered.status).toBe(0);
      // The production replicas then refuse to start, naming the variables (the broker checks them).
      expect(() => brokerConfigOf(rendered.config!.services['broker-1']!)).toThrow(
        /SIPGATE_CLIENT_ID is required when NODE_ENV=production/,
      );
    });
  },
);
