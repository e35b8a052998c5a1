import { signWebhook } from './webhook-signature.js';

export interface WebhookRequest {
  id: string;
  type: string;
  body: string;
}

export type DeliveryResult = { ok: true; status: number } | { ok: false; error: string };

/**
 * One POST of an event. Only a 2xx counts as delivered; anything else (including redirects, which
 * are not followed, so a signed event never goes anywhere but the configured URL) is retried later.
 * Error texts name the failure, never the URL (it may carry credentials) or the secret.
 */
export async function postWebhook(
  target: { url: string; secret: string; timeoutMs: number },
  request: WebhookRequest,
  cancel: AbortSignal,
): Promise<DeliveryResult> {
  const timestamp = String(Math.floor(Date.now() / 1000));
  const timeout = AbortSignal.timeout(target.timeoutMs);
  try {
    const response = await fetch(target.url, {
      method: 'POST',
      redirect: 'manual',
      signal: AbortSignal.any([timeout, cancel]),
      headers: {
        'content-type': 'application/json',
        'user-agent': 'sipgate-token-broker-webhooks/1',
        'x-broker-event': request.type,
        'x-broker-delivery': request.id,
        'x-broker-timestamp': timestamp,
        'x-broker-signature': signWebhook(target.secret, timestamp, request.body),
      },
      body: request.body,
    });
    // The receiver's answer is not used; dropping it frees the socket for the next delivery.
    await response.body?.cancel().catch(() => undefined);
    if (response.status >= 200 && response.status < 300) return { ok: true, status: response.status };
    return { ok: false, error: `the receiver answered HTTP ${response.status}` };
  } catch (error) {
    if (timeout.aborted) return { ok: false, error: `no answer within ${target.timeoutMs} ms` };
    if (cancel.aborted) return { ok: false, error: 'interrupted by shutdown' };
    return { ok: false, error: `request failed: ${describe(error)}` };
  }
}

/** `ECONNREFUSED`, `UND_ERR_SOCKET`, `TypeError`: identifiers, which cannot carry a URL or a secret. */
const IDENTIFIER = /^[A-Za-z][\w]{0,63}$/;

/**
 * Names a failed fetch by the error's code (fetch puts the network reason, ECONNREFUSED, …, in
 * `cause`) or else its class, never by a message: messages may repeat the URL (fetch's own do, for
 * URLs it refuses), and the result is stored in `webhook_events.last_error` and logged.
 */
function describe(error: unknown): string {
  const { cause, name } = (error ?? {}) as { cause?: { code?: unknown }; name?: unknown };
  for (const candidate of [cause?.code, name]) {
    if (typeof candidate === 'string' && IDENTIFIER.test(candidate)) return candidate;
  }
  return 'unknown error';
}
