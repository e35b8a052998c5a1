import { describe, expect, it } from '@jest/globals';
import type { ConnectionSnapshot } from '../connections/connection-events.js';
import { webhookBody } from './webhook-payload.js';

describe('webhookBody', () => {
  const connection: ConnectionSnapshot = {
    id: '6f1c2b9e-8d4a-4e7b-b3a1-0c9d8e7f6a5b',
    status: 'reauth_required',
    sipgateUserId: 'w0',
    sipgateAccountId: '2556404',
    label: 'Support hotline',
  };

  it('carries the event and the connection identity, in a stable field order', () => {
    const body = webhookBody(
      'e1',
      'connection.reauth_required',
      new Date('2026-11-28T10:00:00Z'),
      connection,
    );
    expect(body).toBe(
      '{"id":"e1","type":"connection.reauth_required","occurredAt":"2026-11-28T10:00:00.000Z",' +
        '"connection":{"id":"6f1c2b9e-8d4a-4e7b-b3a1-0c9d8e7f6a5b","status":"reauth_required",' +
        '"sipgateUserId":"w0","sipgateAccountId":"2556404","label":"Support hotline"}}',
    );
  });

  it('takes only the listed fields, even from an object that has more', () => {
    const row = { ...connection, accessTokenCiphertext: 'sealed', refreshToken: 'secret-value' };
    const body = webhookBody('e2', 'connection.connected', new Date(), row);
    expect(body).not.toContain('secret-value');
    expect(body).not.toContain('sealed');
  });
});
