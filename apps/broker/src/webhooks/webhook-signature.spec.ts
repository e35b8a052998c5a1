import { createHmac } from 'node:crypto';
import { describe, expect, it } from '@jest/globals';
import { signWebhook, verifyWebhookSignature } from './webhook-signature.js';

const SECRET = 'whsec-0123456789abcdef0123456789abcdef';
const BODY = '{"id":"e1","type":"connection.recovered"}';

describe('webhook signatures', () => {
  it('are the hex HMAC-SHA256 of "<timestamp>.<body>", prefixed sha256=', () => {
    const expected = createHmac('sha256', SECRET).update(`1764324000.${BODY}`).digest('hex');
    expect(signWebhook(SECRET, '1764324000', BODY)).toBe(`sha256=${expected}`);
  });

  it('verify for the same secret, timestamp and body within the tolerance', () => {
    const signature = signWebhook(SECRET, '1764324000', BODY);
    const headers = { timestamp: '1764324000', signature };
    expect(verifyWebhookSignature(SECRET, headers, BODY, { nowSeconds: 1764324000 + 299 })).toBe(true);
  });

  it('fail for another body, secret or timestamp, and for stale or missing headers', () => {
    const signature = signWebhook(SECRET, '1764324000', BODY);
    const now = { nowSeconds: 1764324000 };
    const ok = { timestamp: '1764324000', signature };
    expect(verifyWebhookSignature(SECRET, ok, `${BODY} `, now)).toBe(false);
    expect(verifyWebhookSignature(`${SECRET}x`, ok, BODY, now)).toBe(false);
    expect(verifyWebhookSignature(SECRET, { ...ok, timestamp: '1764324001' }, BODY, now)).toBe(false);
    expect(verifyWebhookSignature(SECRET, ok, BODY, { nowSeconds: 1764324000 + 301 })).toBe(false);
    expect(verifyWebhookSignature(SECRET, { ...ok, signature: undefined }, BODY, now)).toBe(false);
    expect(verifyWebhookSignature(SECRET, { ...ok, timestamp: 'soon' }, BODY, now)).toBe(false);
    expect(verifyWebhookSignature(SECRET, { ...ok, signature: 'sha256=00' }, BODY, now)).toBe(false);
  });
});
