import type { ConnectionEventType, ConnectionSnapshot } from '../connections/connection-events.js';

/** The connection events sent to the webhook; the others (refreshed, refresh_failed) are too chatty. */
export const WEBHOOK_EVENT_TYPES: readonly ConnectionEventType[] = [
  'connection.connected',
  'connection.disconnected',
  'connection.reauth_required',
  'connection.recovered',
];

export interface WebhookPayload {
  id: string;
  type: ConnectionEventType;
  occurredAt: string;
  connection: ConnectionSnapshot;
}

/**
 * The body of a delivery. Built from an explicit list of fields, never by spreading a row, so a
 * column added to `connections` later (a secret, say) cannot leak into webhooks by accident.
 */
export function webhookBody(
  id: string,
  type: ConnectionEventType,
  occurredAt: Date,
  connection: ConnectionSnapshot,
): string {
  const payload: WebhookPayload = {
    id,
    type,
    occurredAt: occurredAt.toISOString(),
    connection: {
      id: connection.id,
      status: connection.status,
      sipgateUserId: connection.sipgateUserId,
      sipgateAccountId: connection.sipgateAccountId,
      label: connection.label,
    },
  };
  return JSON.stringify(payload);
}
