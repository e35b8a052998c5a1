import type { Sandbox } from '#libs/sandbox';
import type { RunningBroker, TokenJson } from './broker-fleet.js';
import { repeatUntilStopped } from './chaos.js';

/** The sandbox's REST API accepts the header (and says whose token it is), as api.sipgate.com would. */
export async function userinfo(
  sandbox: Sandbox,
  authorizationHeader: string,
): Promise<{ sub: string; masterSipId: string } | null> {
  const response = await fetch(`${sandbox.url}/v2/authorization/userinfo`, {
    headers: { authorization: authorizationHeader },
  });
  if (response.status !== 200) {
    await response.body?.cancel();
    return null;
  }
  return (await response.json()) as { sub: string; masterSipId: string };
}

/** A token read as seen by a consumer: when it was asked and answered, and what. */
export interface ObservedRead {
  broker: string;
  connectionId: string;
  sentAt: number;
  receivedAt: number;
  status: number;
  retryAfter: string | null;
  body: TokenJson;
}

export async function observeRead(
  broker: RunningBroker,
  connectionId: string,
  options: { minValidity?: number; authorization?: string } = {},
): Promise<ObservedRead> {
  const sentAt = Date.now();
  const answer = await broker.token(connectionId, options);
  return {
    broker: broker.name,
    connectionId,
    sentAt,
    receivedAt: Date.now(),
    status: answer.status,
    retryAfter: answer.headers.get('retry-after'),
    body: answer.body,
  };
}

/**
 * How much later than the broker's answer the test may see it (event-loop lag of the busy jest
 * process), when checking that a served token was still valid at the moment it was served.
 */
export const DELIVERY_SLACK_MS = 500;

/** A 200 carries a token that is valid when served; anything else is a broken promise. */
export function servedExpired(read: ObservedRead): boolean {
  return read.status === 200 && Date.parse(read.body.expiresAt!) < read.receivedAt - DELIVERY_SLACK_MS;
}

export interface CheckedRead extends ObservedRead {
  /** Whether sipgate accepted the token; checked only while it had more than 1.5 s left. */
  accepted?: boolean;
  /**
   * The latest expiry of any token of this connection known when this read was answered (served
   * before, or in the database when reading began). A token issued later does not make an earlier
   * 503 wrong: the broker had nothing valid to give at the time.
   */
  knownValidUntil: number;
}

/**
 * Consumers reading every connection from every broker over and over, as services do, remembering
 * the latest expiry of a token each connection has been served (the broker holds none later).
 */
export function readContinuously(
  brokers: readonly RunningBroker[],
  ids: readonly string[],
  options: { minValidity: number; authorization?: string; sandbox?: Sandbox; pauseMs?: number },
) {
  const reads: CheckedRead[] = [];
  const validUntil = new Map<string, number>();
  const loop = repeatUntilStopped(async () => {
    for (const broker of brokers) {
      for (const id of ids) {
        const observed = await observeRead(broker, id, options).catch((error: unknown) => ({
          broker: broker.name,
          connectionId: id,
          sentAt: Date.now(),
          receivedAt: Date.now(),
          status: 0, // no answer at all: counted as a broken promise
          retryAfter: null,
          body: { error: error instanceof Error ? error.message : 'failed' } as unknown as TokenJson,
        }));
        // Reads are sequential, so nothing this read returned has been counted yet.
        const read: CheckedRead = { ...observed, knownValidUntil: validUntil.get(id) ?? 0 };
        reads.push(read);
        if (read.status !== 200) continue;
        const expiresAt = Date.parse(read.body.expiresAt!);
        validUntil.set(id, Math.max(validUntil.get(id) ?? 0, expiresAt));
        if (options.sandbox && expiresAt - Date.now() > 1_500) {
          read.accepted = (await userinfo(options.sandbox, read.body.authorizationHeader)) !== null;
        }
      }
    }
  }, options.pauseMs ?? 200);
  return {
    reads,
    validUntil,
    /** Tokens the broker held before reading started (from the database). */
    seed: (id: string, expiresAt: Date | null) =>
      validUntil.set(id, Math.max(validUntil.get(id) ?? 0, expiresAt?.getTime() ?? 0)),
    /** Failures other than the broker's answers (e.g. sipgate's userinfo unreachable). */
    errors: loop.errors,
    stop: loop.stop,
  };
}

/**
 * The token endpoint's promises, checked on every read: 200 with a token valid when served (and
 * accepted by sipgate), or 503 with Retry-After only once no valid token was left; nothing else.
 */
export function brokenPromises(reads: readonly CheckedRead[]) {
  const broken: string[] = [];
  for (const read of reads) {
    const at = `${read.broker} ${read.connectionId.slice(0, 8)} at ${new Date(read.receivedAt).toISOString()}`;
    if (read.status === 200) {
      if (servedExpired(read)) broken.push(`${at}: 200 with a token that expired at ${read.body.expiresAt}`);
      if (read.accepted === false) broken.push(`${at}: 200 with a token sipgate refused`);
    } else if (read.status === 503) {
      const valid = read.knownValidUntil;
      if (read.receivedAt < valid) {
        const { detail } = read.body as unknown as { detail?: string };
        broken.push(
          `${at}: 503 while a token valid until ${new Date(valid).toISOString()} existed (${detail})`,
        );
      }
      if (!(Number(read.retryAfter) >= 1)) broken.push(`${at}: 503 without Retry-After`);
    } else {
      broken.push(`${at}: ${read.status} ${JSON.stringify(read.body)}`);
    }
  }
  return broken;
}
