/**
 * The token-read baseline: a bare Fastify route at the same path, answering the same JSON body
 * (BASELINE_BODY) that the broker sends, serialized per request as the broker's is. No logging, no
 * auth, no validation: what the hardware and Fastify can do on this machine.
 */
import Fastify from 'fastify';

const body = JSON.parse(process.env.BASELINE_BODY ?? '{}') as Record<string, unknown>;
const app = Fastify({ logger: false });
app.get('/v1/connections/:id/token', async () => ({ ...body }));
const address = await app.listen({ port: 0, host: '127.0.0.1' });
process.stdout.write(`${JSON.stringify({ url: address })}\n`);
process.on('SIGTERM', () => void app.close().then(() => process.exit(0)));
