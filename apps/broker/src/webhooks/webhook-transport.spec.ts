import { describe, expect, it } from '@jest/globals';
import { freePort } from '#libs/testing';
import { postWebhook } from './webhook-transport.js';

const request = { id: '3f0c6a51-1b7e-4d55-9d8e-4a8f2c6b7e10', type: 'connection.connected', body: '{}' };
const post = (url: string) =>
  postWebhook(
    { url, secret: 'whsec-0123456789abcdef0123456789abcdef', timeoutMs: 2_000 },
    request,
    new AbortController().signal,
  );

describe('postWebhook failures', () => {
  it('names a refused connection by its code, never by the URL', async () => {
    // Nothing listens on a free port: the connection is refused at once.
    const result = await post(`http://127.0.0.1:${await freePort()}/hooks/s3cr3t-path?token=s3cr3t-query`);
    expect(result).toEqual({ ok: false, error: 'request failed: ECONNREFUSED' });
  });

  it('names an error without a code by its class, not by its message, which repeats the URL', async () => {
    // fetch refuses a URL with userinfo with a TypeError whose message is the whole URL. Start-up
    // refuses such a URL; this is the transport's own guarantee for whatever else fetch may say.
    const port = await freePort();
    const result = await post(`http://hooks:s3cr3t-password@127.0.0.1:${port}/hooks/s3cr3t?token=s3cr3t`);
    expect(result).toEqual({ ok: false, error: 'request failed: TypeError' });
  });
});
