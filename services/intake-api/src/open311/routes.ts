import { randomUUID } from 'node:crypto';
import { signEnvelope } from '@gridgov/auth';
import { CommandEnvelope, IncidentId, Instant, ReportIncident } from '@gridgov/contracts';
import { proposalsFor } from '../duplicates.ts';
import { open311Actor, type Catalog } from '@gridgov/domain';
import {
  ApiError,
  DependencyUnavailableError,
  PUBLIC_ROUTE,
  schemaValidationError,
  ValidationError,
  type DependencyOf,
  type ZodTypeProvider,
} from '@gridgov/http';
import { isKafkaUnavailable } from '@gridgov/kafka';
import type { CaseListEntry, IncidentView } from '@gridgov/read-model';
import { RedisRateLimitStore } from '@gridgov/redis';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { RouteDeps } from '../deps.ts';
import { reportIds } from '../ids.ts';
import { Open311Created, Open311Errors, Open311ServiceDefinition, Open311ServiceRequests, Open311Services } from './answers.ts';
import { Open311Clients, type Open311Client } from './clients.ts';
import { locateGrid, type PositionLocator } from './grid-locator.ts';
import { Open311RequestBody, reportDataOf, urgencyOf, type Open311RequestFields } from './request-fields.ts';
import { reportLineOf, SERVICE_NOTICE, serviceRequestOf, type Open311ServiceRequest } from './service-request.ts';
import { serviceDefinition, serviceList } from './services.ts';
import { xmlDocument, type XmlValue } from './xml.ts';

type Format = 'json' | 'xml';
const FORMATS: readonly Format[] = ['json', 'xml'];

/** GeoReport v2's default window of GET requests: 90 days, and no longer span may be asked. */
const WINDOW_MS = 90 * 24 * 3600_000;
/** Most requests one GET requests.{format} answers (the spec's default, "first 1000 requests"). */
const MAX_LISTED = 1000;
/** Window of each client app's rate limit (requestsPerMinute). */
const CLIENT_WINDOW_MS = 60_000;

const commaList = <S extends z.ZodType>(item: S, max: number) =>
  z.preprocess(
    (v) => (typeof v === 'string' ? (v === '' ? undefined : v.split(',').map((s) => s.trim())) : v),
    z.array(item).min(1).max(max).optional(),
  );

/** GET requests.{format}'s filters (GeoReport v2); a parameter sent empty is one not sent. */
export const Open311ListQuery = z.object({
  jurisdiction_id: z.string().max(200).optional().describe('Accepted and not needed: one jurisdiction is served'),
  service_request_id: commaList(IncidentId, 100).describe(
    'Ids, comma-separated (or the parameter repeated), at most 100; overrides every other filter',
  ),
  service_code: z.preprocess((v) => (v === '' ? undefined : v), z.string().max(64).optional()).describe('Only requests of this service'),
  start_date: z
    .preprocess((v) => (v === '' ? undefined : v), Instant.optional())
    .describe('Requested at or after (ISO 8601); with end_date at most 90 days apart; default end_date − 90 days'),
  end_date: z
    .preprocess((v) => (v === '' ? undefined : v), Instant.optional())
    .describe('Requested at or before (ISO 8601); default start_date + 90 days, or now'),
  status: commaList(z.enum(['open', 'closed']), 2).describe('open, closed, or both comma-separated (or repeated)'),
});

/** The answer in the format asked for: XML under `root` (Spark convention), or the JSON itself. */
function answer(reply: FastifyReply, format: Format, status: number, root: string, value: XmlValue): FastifyReply {
  reply.status(status);
  if (format === 'xml') return reply.type('text/xml; charset=utf-8').send(xmlDocument(root, value));
  // An object: serialised through the route's answer schema for the status (ADR 0027), where it declares one.
  return reply.type('application/json; charset=utf-8').send(value);
}

const formatOfUrl = (url: string): Format => (/\.xml(\?|$)/.test(url) ? 'xml' : 'json');

/** A form body: every key with its value, a repeated key with all of them (refused later, naming it). */
export function parseForm(body: string): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [key, value] of new URLSearchParams(body)) {
    const had = out[key];
    out[key] = had === undefined ? value : Array.isArray(had) ? [...had, value] : [had, value];
  }
  return out;
}

/** Fastify's own refusals (a body too large, not JSON, an unknown content type) as status and words. */
function clientErrorOf(err: FastifyError): { status: number; description: string } | undefined {
  if (typeof err.statusCode !== 'number' || err.statusCode < 400 || err.statusCode >= 500) return undefined;
  switch (err.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return { status: 413, description: 'body: larger than the limit' };
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return { status: 415, description: 'headers.content-type: send application/x-www-form-urlencoded or application/json' };
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return { status: 400, description: 'body: not valid JSON' };
    default:
      return { status: err.statusCode, description: `request: ${err.message}` };
  }
}

/** The XML answer of a route: the same value by the Spark convention, documented as text. */
const xmlAnswer = (description: string) => ({
  description,
  content: { 'text/xml': { schema: z.string().describe('GeoReport v2 XML (UTF-8, no namespace; arrays by the Spark convention)') } },
});

/** A route's answer of `status` in its format: the JSON schema, or XML of the same value. */
const answerIn = (format: Format, schema: z.ZodType, description: string) =>
  format === 'json' ? { description, content: { 'application/json': { schema } } } : xmlAnswer(description);

/** The refusals of every Open311 route, in the spec's error format of the route's format. */
const refusals = (format: Format, more: Readonly<Record<number, string>> = {}) =>
  Object.fromEntries(
    Object.entries({
      400: 'A parameter or field is missing or malformed; the description names it',
      429: 'Past the per-address limit of every route (Retry-After)',
      ...more,
    }).map(([status, description]) => [status, answerIn(format, Open311Errors, description)]),
  );

const STORE_AWAY = 'Redis did not answer, or the read side is being restored; Retry-After';
const ID_PATTERN = /^[A-Za-z0-9_.-]{1,80}$/;

/** The query every GET takes: GeoReport v2's jurisdiction_id, accepted and not needed (one jurisdiction is served). */
const JurisdictionQuery = z.object({
  jurisdiction_id: z.string().max(200).optional().describe('Accepted and not needed: one jurisdiction is served'),
});

/** The client app whose api_key a POST carries (found before its fields are validated). */
const clientOf = new WeakMap<FastifyRequest, Open311Client>();

/**
 * Open311 GeoReport v2 for citizens' apps (ADR 0028), under /open311/v2: the catalog as services, a citizen's request
 * as a report waiting for triage, and its status open or closed. Each route declares its schemas (ADR 0027) in both
 * formats: the path's suffix (.json, .xml) is the answer's format. Errors are the spec's `[{code, description}]` (XML
 * `<errors>`), code being the HTTP status. GETs are public and show nothing personal; POST takes a client app's
 * api_key (OPEN311_CLIENTS_FILE), checked with its rate limit before the fields are.
 */
export function registerOpen311(
  app: FastifyInstance,
  deps: RouteDeps & { readonly locator: PositionLocator },
  dependencyOf?: DependencyOf,
): void {
  const clients = deps.open311?.clients ?? new Open311Clients([]);
  const limits = new RedisRateLimitStore(deps.redis, deps.keyPrefix);
  const catalog: Catalog = deps.catalog;

  void app.register(
    (plain, _options, registered) => {
      const scope = plain.withTypeProvider<ZodTypeProvider>();
      scope.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_request, body, done) => {
        done(null, parseForm(body as string));
      });

      scope.setErrorHandler((thrown: FastifyError | ApiError, request, reply) => {
        const format = formatOfUrl(request.url);
        const dependency = thrown instanceof ApiError ? undefined : dependencyOf?.(thrown);
        const err = dependency
          ? new DependencyUnavailableError(dependency, 'it did not answer', thrown)
          : (schemaValidationError(thrown) ?? thrown);
        let status: number;
        let description: string;
        if (err instanceof ApiError) {
          if (err.headers) reply.headers(err.headers);
          if (err.statusCode >= 500) request.log.warn({ code: err.code }, `answered ${err.statusCode}: ${err.message}`);
          status = err.statusCode;
          description = err.message;
        } else {
          const known = clientErrorOf(err);
          if (!known) request.log.error({ err }, 'unhandled error');
          status = known?.status ?? 500;
          description = known?.description ?? 'internal error';
        }
        return answer(reply, format, status, 'errors', [{ code: status, description }]);
      });
      scope.setNotFoundHandler((request, reply) =>
        answer(reply, formatOfUrl(request.url), 404, 'errors', [
          { code: 404, description: `no route ${request.method} ${request.url.split('?')[0]}` },
        ]),
      );

      for (const format of FORMATS) {
        const name = format.toUpperCase();
        scope.get(
          `/services.${format}`,
          {
            config: PUBLIC_ROUTE,
            schema: {
              summary: `Open311: the services (the catalog's categories), in ${name}`,
              querystring: JurisdictionQuery,
              response: { 200: answerIn(format, Open311Services, "The services, in the catalog's order"), ...refusals(format) },
            },
          },
          (_request, reply) => answer(reply, format, 200, 'services', serviceList(catalog)),
        );

        scope.get(
          `/services/:service_code.${format}`,
          {
            config: PUBLIC_ROUTE,
            schema: {
              summary: `Open311: a service's definition (its one attribute, urgency), in ${name}`,
              params: z.object({ service_code: z.string().regex(ID_PATTERN, 'a service code').describe('A service_code of GET services') }),
              querystring: JurisdictionQuery,
              response: {
                200: answerIn(format, Open311ServiceDefinition, 'The service definition'),
                ...refusals(format, { 404: 'No such service (service_code not in the catalog)' }),
              },
            },
          },
          (request, reply) => {
            const code = request.params.service_code;
            const definition = serviceDefinition(catalog, code);
            if (!definition) throw new ApiError(404, 'UNKNOWN_SERVICE', `service_code: ${code} is not a service of this jurisdiction`);
            return answer(reply, format, 200, 'service_definition', definition);
          },
        );

        scope.post(
          `/requests.${format}`,
          {
            config: PUBLIC_ROUTE,
            schema: {
              summary: `Open311: a citizen's request, taken as a report waiting for triage (待受理); answered in ${name}`,
              description:
                'Form-encoded as the spec sends it, or JSON. 201 once Kafka holds the signed report; a dispatcher then accepts ' +
                "it (受理) or turns it down (不予立案). The api_key is checked (403) and the app's rate limit counted (429) " +
                'before the fields are.',
              consumes: ['application/x-www-form-urlencoded', 'application/json'],
              querystring: z.object({ api_key: z.string().max(200).optional().describe('The api_key, when the body has none') }),
              body: Open311RequestBody,
              response: {
                201: answerIn(format, Open311Created, "Taken: the request's id (the case's), as a list of one"),
                ...refusals(format, {
                  403: "api_key missing, or no app's",
                  404: 'No such service (service_code not in the catalog)',
                  413: 'Body larger than the limit',
                  415: 'Not form-encoded nor JSON',
                  429: "Past the app's own requestsPerMinute, or the per-address limit (Retry-After)",
                  503: 'Kafka or Redis did not answer: send it again (Retry-After)',
                }),
              },
            },
            // The app's key and its rate limit come before the fields: an app without a key learns nothing else.
            preValidation: async (request) => {
              clientOf.set(request, await checkClient(request));
            },
          },
          async (request, reply) => {
            const client = clientOf.get(request);
            if (!client) throw new Error('open311: no client app after preValidation');
            const created = await createRequest(request, client, request.body);
            return answer(reply, format, 201, 'service_requests', [created]);
          },
        );

        scope.get(
          `/requests.${format}`,
          {
            config: PUBLIC_ROUTE,
            schema: {
              summary: `Open311: the requests made through this door, newest first (at most 1000), in ${name}`,
              querystring: Open311ListQuery,
              response: {
                200: answerIn(format, Open311ServiceRequests, 'The requests'),
                ...refusals(format, { 503: STORE_AWAY }),
              },
            },
          },
          async (request, reply) => answer(reply, format, 200, 'service_requests', await listRequests(request.query)),
        );

        scope.get(
          `/requests/:service_request_id.${format}`,
          {
            config: PUBLIC_ROUTE,
            schema: {
              summary: `Open311: one request, as a list of one, in ${name}`,
              params: z.object({
                service_request_id: z.string().regex(ID_PATTERN, 'a request id').describe('The service_request_id POST answered'),
              }),
              querystring: JurisdictionQuery,
              response: {
                200: answerIn(format, Open311ServiceRequests, 'The request'),
                ...refusals(format, {
                  404: "No such request: no case, one not reported through this door, or a confidential category's",
                  503: STORE_AWAY,
                }),
              },
            },
          },
          async (request, reply) => {
            const id = request.params.service_request_id;
            const shown = IncidentId.safeParse(id).success ? await publicRequest(id) : undefined;
            if (!shown) throw new ApiError(404, 'UNKNOWN_SERVICE_REQUEST', `service_request_id: no request ${id}`);
            return answer(reply, format, 200, 'service_requests', [shown]);
          },
        );
      }
      registered();
    },
    { prefix: '/open311/v2' },
  );

  /** POST's client app: its api_key (body, else query) known, and within its rate limit. */
  const checkClient = async (request: FastifyRequest): Promise<Open311Client> => {
    const body = request.body ?? {};
    if (typeof body !== 'object' || Array.isArray(body))
      throw new ApiError(400, 'VALIDATION_FAILED', 'body: the fields of a request, as a form or a JSON object');
    const bodyKey = (body as Record<string, unknown>)['api_key'];
    const queryKey = (request.query as Record<string, unknown> | undefined)?.['api_key'];
    const apiKey = typeof bodyKey === 'string' && bodyKey !== '' ? bodyKey : typeof queryKey === 'string' ? queryKey : '';
    const client = apiKey === '' ? undefined : clients.byKey(apiKey);
    if (!client) {
      throw new ApiError(
        403,
        'INVALID_API_KEY',
        apiKey === '' ? "api_key: missing -- can't proceed with create_request" : "api_key: invalid -- can't proceed with create_request",
      );
    }
    const hit = await limits.hit(`open311:${client.id}`, CLIENT_WINDOW_MS);
    if (hit.count > client.requestsPerMinute) {
      const retryAfter = String(Math.max(1, Math.ceil(hit.resetInMs / 1000)));
      throw new ApiError(
        429,
        'RATE_LIMITED',
        `rate limit: more than ${client.requestsPerMinute} requests a minute from ${client.id}; retry after ${retryAfter} s`,
        undefined,
        { 'retry-after': retryAfter },
      );
    }
    return client;
  };

  const createRequest = async (request: FastifyRequest, client: Open311Client, fields: Open311RequestFields) => {
    if (fields.service_code === undefined)
      throw new ApiError(400, 'VALIDATION_FAILED', 'service_code: required (GET services.json lists them)');
    const category = catalog.category(fields.service_code);
    if (!category) throw new ApiError(404, 'UNKNOWN_SERVICE', `service_code: ${fields.service_code} is not a service of this jurisdiction`);
    if ((fields.lat === undefined) !== (fields.long === undefined)) {
      throw new ApiError(
        400,
        'VALIDATION_FAILED',
        `${fields.lat === undefined ? 'lat' : 'long'}: required with ${fields.lat === undefined ? 'long' : 'lat'}`,
      );
    }
    if (fields.lat === undefined || fields.long === undefined) {
      throw new ApiError(
        400,
        'VALIDATION_FAILED',
        'lat and long: required here (every case is placed by its position; address_string and address_id may come with them)',
      );
    }
    const urgency = urgencyOf(fields.attributes);
    if ('problem' in urgency) throw new ApiError(400, 'VALIDATION_FAILED', urgency.problem);
    const found = locateGrid(deps.areas, deps.locator, { lat: fields.lat, lng: fields.long, addressId: fields.address_id });
    if ('problem' in found) throw new ApiError(400, 'VALIDATION_FAILED', found.problem);

    const actor = open311Actor(client.id);
    const now = await deps.clock();
    const reportId = `o311-${randomUUID()}`;
    const { incidentId, commandId } = reportIds(deps.encryption.pseudonyms, actor.id, reportId);
    const data = reportDataOf(
      { ...fields, lat: fields.lat, long: fields.long, service_code: fields.service_code },
      { reportId, gridCode: found.gridCode, serviceName: category.name, urgency: urgency.urgency, client: client.id, now },
    );
    // 重复上报 (ADR 0032): the open cases near it go with the request, for the dispatcher who triages it.
    const where = { incidentId, category: category.code, lat: fields.lat, lng: fields.long };
    const proposals = await proposalsFor(deps, where, now, request.log);
    const proposed = proposals.length > 0 ? { possibleDuplicateOf: proposals.map((c) => c.incidentId) } : {};
    const checked = ReportIncident.shape.data.safeParse({ ...data, ...proposed });
    if (!checked.success) throw new ValidationError('body', checked.error);
    const envelope = CommandEnvelope.parse({
      commandId,
      incidentId,
      issuedAt: now.toISOString(),
      actor,
      command: { type: 'ReportIncident', data: checked.data },
    });
    const signed = signEnvelope(envelope, deps.signingKey, { topic: deps.topics.commands, key: incidentId });
    try {
      await deps.producer.send(deps.topics.commands, { key: incidentId, value: JSON.stringify(signed) });
    } catch (err) {
      if (!isKafkaUnavailable(err)) throw err;
      throw new DependencyUnavailableError('kafka', 'the request was not taken; send it again', err);
    }
    // Never the citizen's contact details: the case, the app, where and what.
    request.log.info(
      { incidentId, commandId, client: client.id, gridCode: found.gridCode, category: category.code },
      'open311 request accepted for triage',
    );
    return { service_request_id: incidentId, service_notice: SERVICE_NOTICE, account_id: null };
  };

  /** One request as anyone may see it, or undefined: no case, not from the Open311 door, or confidential (举报人保护). */
  const publicRequest = async (id: string, known?: IncidentView | null): Promise<Open311ServiceRequest | undefined> => {
    const [view, lines] = await Promise.all([
      known === undefined ? deps.reader.view(id) : Promise.resolve(known ?? undefined),
      deps.reader.history(id),
    ]);
    if (!view || catalog.isConfidential(view.category)) return undefined;
    const report = reportLineOf(lines);
    return report ? serviceRequestOf(view, report, lines, catalog) : undefined;
  };

  /** GET requests.{format}: the ids asked for, or the requests of every client app reported in the window, newest first. */
  const listRequests = async (query: z.infer<typeof Open311ListQuery>): Promise<Open311ServiceRequest[]> => {
    await deps.readSide.assertWhole();
    const wanted = (r: Open311ServiceRequest) => query.status === undefined || query.status.includes(r.status);
    if (query.service_request_id) {
      const found = await Promise.all(query.service_request_id.map((id) => publicRequest(id)));
      return found.filter((r): r is Open311ServiceRequest => r !== undefined);
    }
    const now = (await deps.clock()).getTime();
    const end = query.end_date ? Date.parse(query.end_date) : query.start_date ? Date.parse(query.start_date) + WINDOW_MS : now;
    const start = query.start_date ? Date.parse(query.start_date) : end - WINDOW_MS;
    if (start > end) throw new ApiError(400, 'VALIDATION_FAILED', 'start_date: after end_date');
    if (end - start > WINDOW_MS) throw new ApiError(400, 'VALIDATION_FAILED', 'start_date, end_date: may not span more than 90 days');
    const filter = { from: start, to: end, ...(query.service_code ? { category: query.service_code } : {}) };
    const found: { at: number; request: Open311ServiceRequest }[] = [];
    for (const client of clients.clients) {
      const list = { reporterId: deps.encryption.pseudonyms.person(open311Actor(client.id).id) };
      let after: CaseListEntry | undefined;
      let taken = 0;
      // Each app's list, newest first, until enough are found or it ends.
      while (taken < MAX_LISTED) {
        const page = await deps.reader.filteredPage(list, filter, 100, true, after);
        const chunk = page.slice(0, 100);
        const views = await deps.reader.views(chunk.map((e) => e.incidentId));
        const shown = await Promise.all(chunk.map((e, i) => publicRequest(e.incidentId, views[i] ?? null)));
        shown.forEach((r, i) => {
          if (r && wanted(r)) {
            found.push({ at: chunk[i]!.score, request: r });
            taken += 1;
          }
        });
        if (page.length <= 100) break;
        after = chunk.at(-1);
      }
    }
    return found
      .sort((a, b) => b.at - a.at)
      .slice(0, MAX_LISTED)
      .map((f) => f.request);
  };
}
