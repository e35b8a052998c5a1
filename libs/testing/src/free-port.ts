import { createServer } from 'node:net';

/**
 * A loopback port nobody listens on right now, for a server that must know its port before it
 * starts (e.g. an OAuth redirect URI that names it). Another process could take it in between;
 * tests and the bench accept that.
 */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}
