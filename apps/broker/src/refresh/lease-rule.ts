import type { BrokerConfig } from '#libs/config';
import { Prisma } from '#libs/database';

/**
 * The one rule for when a connection's refresh lease counts as free: every statement that spends a
 * refresh token (claim, claimDue), changes a leased row's state without holding the lease
 * (UnrenewableConnectionsRepository) or rewrites its refresh token ciphertext (key rotation) uses it.
 *
 * Why a lease can outlive its expiry: its holder may have spent the refresh token and hold the
 * rotated one in memory while its write-back waits for the database (TokenRefresher.persist). Anyone
 * who takes the row then spends the old token again, and sipgate (Keycloak) ends the whole session.
 *
 * Invariants:
 * 1. A row with no lease is free at once. `lease_expires_at` says both whether there is a lease and
 *    until when; every release (complete, markReauthRequired, recordFailure, a reconnect) clears it
 *    together with `lease_token`.
 * 2. An expired lease (database clock) is free only to a process that has reached the database
 *    without a break for at least a whole lease (the takeover grace), counted from the moment it
 *    regained it, process start included. A holder alive through an outage retries its write the
 *    moment it sees the database again (within about a second), so by the time a claimer has had the
 *    database back for a whole lease, every live holder has stored its tokens or been refused. That
 *    holds for an outage of any length; a grace counted from the lease's expiry would only move the
 *    window. The grace is the lease itself (at least 10 s): many times what a live holder needs
 *    after regaining (a heartbeat, one write; a write waiting for a new connection is bounded by
 *    the pool's 5 s connect timeout), and a longer one would only delay taking over a crashed holder's
 *    rows after an outage or a start.
 * 2a. That permission is judged when a statement is built and expires inside SQL shortly after
 *    (TAKEOVER_STATEMENT_WINDOW_MS, database clock): a statement held up on its way cannot use it late.
 * 3. A process never claims a row it holds itself (TakeoverGuard): its own holder is known alive,
 *    whatever the clock says.
 * 4. A late write-back never undoes a state change: complete() stores only into a row that is still
 *    active and holds the token it spent (RefreshRepository.complete).
 *
 * What this cannot tell apart: a holder cut off from Postgres alone (a partition, while other
 * replicas reach it) for longer than its lease plus the grace looks exactly like a crashed one, so
 * another replica takes the row over and spends the old token again; sipgate then ends the session.
 * Invariant 4 makes that visible (the row turns reauth_required) instead of the holder's write
 * silently reviving a dead session. An outage too short for a claimer's heartbeat to notice (about
 * a second) delays a holder by seconds at most, which the lease's own margin over a sipgate call
 * covers (leaseMsFor).
 */

/** Longer than a whole sipgate call (the HTTP timeout) plus the write-back, so a live holder never loses it. */
export function leaseMsFor(config: Pick<BrokerConfig, 'sipgate'>): number {
  return Math.max(10_000, config.sipgate.httpTimeoutMs * 3);
}

/**
 * How long a statement allowed to take over expired leases stays allowed, on the database clock,
 * from the moment it was built. The permission is the process's judgement of *now*; a statement
 * held up on its way (a network stall, a retransmitting socket) must not arrive later and use it
 * when that judgement may no longer hold, so it expires inside SQL.
 */
export const TAKEOVER_STATEMENT_WINDOW_MS = 2_000;

/** What the process issuing a statement knows that the database cannot (see TakeoverGuard). */
export interface LeaseStanding {
  /**
   * Until when (database clock) the statement may take over expired leases; null: it may not. Set
   * only while this process has had the database for at least the takeover grace (invariant 2).
   */
  takeoverUntil: Date | null;
  /** Connections whose refresh this process holds itself (invariant 3). */
  held: readonly string[];
}

/** The deadline for a statement built now, given the database clock's offset from this process's. */
export function takeoverDeadline(databaseClockOffsetMs: number): Date {
  return new Date(Date.now() + databaseClockOffsetMs + TAKEOVER_STATEMENT_WINDOW_MS);
}

/**
 * Invariants 1 and 2 as SQL text on the row alias given, for statements built as text (key
 * rotation). The deadline is rendered as a literal: it is this process's own Date, never input.
 */
export function leaseFreeText(row: string, takeoverUntil: Date | null): string {
  const takeover = takeoverUntil
    ? `statement_timestamp() < '${takeoverUntil.toISOString()}'::timestamptz`
    : 'FALSE';
  return `(${row}.lease_expires_at IS NULL OR (${row}.lease_expires_at < now() AND ${takeover}))`;
}

/** "This process may take the row now", on the `connections` table: invariants 1 to 3. */
export function claimable(standing: LeaseStanding): Prisma.Sql {
  return Prisma.sql`${Prisma.raw(leaseFreeText('connections', standing.takeoverUntil))}
    AND NOT (connections.id = ANY(${[...standing.held]}::uuid[]))`;
}
