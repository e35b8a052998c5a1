import { describe, expect, it } from '@jest/globals';
import { withoutQueryValues } from './redaction.js';

describe('withoutQueryValues', () => {
  it('keeps parameter names and drops their values', () => {
    expect(withoutQueryValues('/v1/oauth/callback?code=secret-code&state=secret-state')).toBe(
      '/v1/oauth/callback?code=…&state=…',
    );
  });

  it('leaves a URL without a query alone', () => {
    expect(withoutQueryValues('/health/ready')).toBe('/health/ready');
  });
});
