import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Debian's docker-compose (1.29) validates, interpolates and prints a compose file without a Docker
 * engine; its `config` output is YAML, read here with the PyYAML it depends on.
 */
export const COMPOSE_FILE = join(process.cwd(), 'docker-compose.yml');

export const composeAvailable = spawnSync('docker-compose', ['version'], { stdio: 'ignore' }).status === 0;

/** What `.ci/run` provides; shown as the reason when the specs are skipped. */
export const COMPOSE_MISSING =
  'skipped: docker-compose is not installed (apt-get install -y --no-install-recommends docker-compose; .ci/run does)';

/** A published port; `host_ip` is the host interface, absent when it is every interface. */
export interface ComposePort {
  published: number;
  target: number;
  host_ip?: string;
}

export interface ComposeService {
  image?: string;
  build?: { context: string };
  command?: string[];
  environment?: Record<string, string>;
  depends_on?: Record<string, { condition: string }>;
  healthcheck?: { test: string[]; start_period?: string };
  ports?: ComposePort[];
  volumes?: { type?: string; source?: string; target?: string }[] | string[];
  profiles?: string[];
  network_mode?: string;
  user?: string;
}

export interface ComposeConfig {
  services: Record<string, ComposeService>;
  volumes?: Record<string, { name?: string } | null>;
}

/** Variables the file requires, with values shaped like real ones. */
export const REQUIRED_ENV = {
  POSTGRES_PASSWORD: 'postgres-password-for-compose-test',
  BROKER_ENCRYPTION_KEYS: `k1:${Buffer.alloc(32, 7).toString('base64')}`,
  BROKER_ADMIN_API_KEY: 'admin-key-for-the-compose-test-0123456789',
};

/**
 * `docker-compose config` with exactly `env`: neither this process's environment nor a `.env` file
 * next to the compose file may leak in and make a missing variable look present.
 */
export function renderCompose(env: Record<string, string>): {
  status: number | null;
  stderr: string;
  config?: ComposeConfig;
} {
  const emptyEnvFile = join(mkdtempSync(join(tmpdir(), 'compose-env-')), 'empty.env');
  writeFileSync(emptyEnvFile, '');
  const rendered = spawnSync('docker-compose', ['--env-file', emptyEnvFile, '-f', COMPOSE_FILE, 'config'], {
    env: { PATH: process.env.PATH, ...env },
    encoding: 'utf8',
  });
  if (rendered.status !== 0) return { status: rendered.status, stderr: rendered.stderr };
  const json = spawnSync(
    'python3',
    ['-c', 'import sys, json, yaml; json.dump(yaml.safe_load(sys.stdin), sys.stdout)'],
    {
      input: rendered.stdout,
      encoding: 'utf8',
    },
  );
  if (json.status !== 0) throw new Error(`could not read docker-compose's output as YAML: ${json.stderr}`);
  const config = JSON.parse(json.stdout) as ComposeConfig;
  for (const service of Object.values(config.services)) {
    if (service.ports) service.ports = service.ports.map((port) => portOf(port as ComposePort | string));
  }
  return { status: 0, stderr: rendered.stderr, config };
}

/**
 * docker-compose 1.29 prints a port bound to one interface in short syntax
 * (`127.0.0.1:3000:3000/tcp`), others as objects; both become objects here.
 */
function portOf(port: ComposePort | string): ComposePort {
  if (typeof port !== 'string') return port;
  const match = /^(?:(?<host>[\d.]+|\[[\da-f:]+\]):)?(?<published>\d+):(?<target>\d+)(?:\/\w+)?$/.exec(port);
  if (!match?.groups) throw new Error(`unexpected port in docker-compose's output: ${port}`);
  const { host, published, target } = match.groups;
  return { published: Number(published), target: Number(target), ...(host ? { host_ip: host } : {}) };
}
