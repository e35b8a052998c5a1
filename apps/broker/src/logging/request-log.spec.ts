import { describe, expect, it } from '@jest/globals';
import { TOKEN_READ_ROUTE } from '../tokens/token-route.js';
import { requestLogLevel } from './request-log.js';

describe('requestLogLevel', () => {
  it('logs successful token reads at debug, every other success and refusal at info, failures at error', () => {
    expect(requestLogLevel(200, TOKEN_READ_ROUTE)).toBe('debug');
    expect(requestLogLevel(200, '/v1/connections/:id')).toBe('info');
    expect(requestLogLevel(200, undefined)).toBe('info');
    expect(requestLogLevel(401, TOKEN_READ_ROUTE)).toBe('info');
    expect(requestLogLevel(404, undefined)).toBe('info');
    expect(requestLogLevel(503, TOKEN_READ_ROUTE)).toBe('error');
    expect(requestLogLevel(500, '/v1/api-keys')).toBe('error');
  });
});
