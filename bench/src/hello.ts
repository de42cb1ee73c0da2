import { fastify } from 'fastify';

/**
 * The reference for the intake benchmark: a bare Fastify route that parses the same JSON body
 * and answers 202, with no validation, no Kafka and no logging. Run as its own process.
 */
const app = fastify({ logger: false, bodyLimit: 64 * 1024 });
app.post('/v1/incidents', (request, reply) => reply.status(202).send({ ok: true, size: JSON.stringify(request.body).length }));
app.get('/readyz', (_request, reply) => reply.send({ status: 'ready' }));
const address = await app.listen({ host: '127.0.0.1', port: Number(process.env['PORT'] ?? 0) });
console.log(JSON.stringify({ msg: 'hello listening', address }));
