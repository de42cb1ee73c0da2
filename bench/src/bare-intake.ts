import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { signEnvelope } from '@gridgov/auth';
import { ReportIncident, topicsWithPrefix } from '@gridgov/contracts';
import { createKafka, DurableProducer, GroupCommitProducer, kafkaSaslFromEnv } from '@gridgov/kafka';
import { fastify } from 'fastify';
import { pino } from 'pino';

/**
 * The intake's same-work reference (issue 19's target: "the bare Fastify route, with the same token check,
 * validation, signing and acks=all"): a bare Fastify route doing what a report must cost and nothing else. It checks
 * the HS256 bearer token with node:crypto on every request, validates the body with the intake's zod schema of a
 * report, derives the incident id, signs the command as the intake does, and answers 202 once Kafka holds it
 * (acks=all, through the same group commit). No logging, tracing, metrics, rate limits, idempotency, area or catalog
 * checks: the difference to intake-api is what those cost. Run as its own process by the intake benchmark.
 */
const env = process.env;
const secret = env['JWT_SECRET']!;
const signingKey = env['COMMAND_SIGNING_KEY']!;
const topic = topicsWithPrefix(env['TOPIC_PREFIX'] ?? '').commands;
const ReportBody = ReportIncident.shape.data.omit({ channel: true, contact: true });

const kafka = createKafka({
  brokers: env['KAFKA_BROKERS']!.split(','),
  clientId: 'bare-intake',
  sasl: kafkaSaslFromEnv(env),
  logger: pino({ level: 'silent' }),
});
const durable = new DurableProducer(kafka, { retry: { retries: 3, maxRetryTimeMs: 1_000 } });
await durable.connect();
const producer = new GroupCommitProducer(durable);

/** The token's subject, or undefined when its HS256 signature does not verify or it has expired. */
function subjectOf(header: string | undefined): string | undefined {
  const token = header?.startsWith('Bearer ') ? header.slice(7) : undefined;
  const [h, p, s] = token?.split('.') ?? [];
  if (!h || !p || !s) return undefined;
  const expected = createHmac('sha256', secret).update(`${h}.${p}`).digest();
  const signature = Buffer.from(s, 'base64url');
  if (signature.length !== expected.length || !timingSafeEqual(signature, expected)) return undefined;
  const claims = JSON.parse(Buffer.from(p, 'base64url').toString('utf8')) as { sub?: string; exp?: number };
  return typeof claims.sub === 'string' && (claims.exp ?? 0) > Date.now() / 1000 ? claims.sub : undefined;
}

const uuidOf = (...parts: string[]) => {
  const hex = createHmac('sha256', signingKey).update(parts.join('\u0000')).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-8${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
};

const app = fastify({ logger: false, bodyLimit: 64 * 1024 });
app.post('/v1/incidents', async (request, reply) => {
  const sub = subjectOf(request.headers.authorization);
  if (!sub) return reply.status(401).send({ code: 'UNAUTHENTICATED' });
  const parsed = ReportBody.safeParse(request.body);
  if (!parsed.success) return reply.status(400).send({ code: 'BAD_REQUEST', message: parsed.error.message });
  const body = parsed.data;
  const incidentId = uuidOf('incident', sub, body.reportId);
  const commandId = uuidOf('report-command', sub, body.reportId);
  const envelope = {
    commandId,
    incidentId,
    issuedAt: new Date().toISOString(),
    actor: { id: createHash('sha256').update(sub).digest('hex').slice(0, 16), role: 'grid_staff' },
    command: { type: 'ReportIncident', data: body },
  };
  const signed = signEnvelope(envelope, signingKey, { topic, key: incidentId });
  await producer.send(topic, { key: incidentId, value: JSON.stringify(signed) });
  return reply.status(202).send({ commandId, incidentId, status: 'pending' });
});
app.get('/readyz', (_request, reply) => reply.send({ status: 'ready' }));
const address = await app.listen({ host: '127.0.0.1', port: Number(env['PORT'] ?? 0) });
console.log(JSON.stringify({ msg: 'bare intake listening', address }));
