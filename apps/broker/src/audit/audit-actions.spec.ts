import { describe, expect, it } from '@jest/globals';
import { describeAdminAction } from './audit-actions.js';

const ID = '6F1C2B9E-8D4A-4E7B-B3A1-0C9D8E7F6A5B';

describe('describeAdminAction', () => {
  it('names the admin routes and finds their target in the path', () => {
    expect(describeAdminAction('PATCH', '/v1/connections/:id', { id: ID })).toEqual({
      action: 'connection.relabel',
      targetType: 'connection',
      targetId: ID.toLowerCase(),
    });
    expect(describeAdminAction('DELETE', '/v1/api-keys/:id', { id: ID })).toMatchObject({
      action: 'api_key.revoke',
      targetType: 'api_key',
    });
    expect(describeAdminAction('POST', '/v1/connections/:id/refresh', { id: ID }).action).toBe(
      'connection.refresh',
    );
  });

  it('leaves the target of a create to the change that creates it', () => {
    expect(describeAdminAction('POST', '/v1/api-keys', {})).toEqual({
      action: 'api_key.create',
      targetType: 'api_key',
      targetId: null,
    });
    expect(describeAdminAction('POST', '/v1/connections/pat', {}).targetId).toBeNull();
    expect(describeAdminAction('POST', '/v1/connections/oauth', {})).toEqual({
      action: 'connection.create_oauth',
      targetType: 'connection',
      targetId: null,
    });
  });

  it('keeps only ids that look like ids', () => {
    expect(describeAdminAction('DELETE', '/v1/connections/:id', { id: 'x"; drop' }).targetId).toBeNull();
  });

  it('still names a mutating route nobody listed, by method and path', () => {
    expect(describeAdminAction('PUT', '/v1/widgets/:id', { id: ID })).toEqual({
      action: 'PUT /v1/widgets/:id',
      targetType: null,
      targetId: ID.toLowerCase(),
    });
  });
});
