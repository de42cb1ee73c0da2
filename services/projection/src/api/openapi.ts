import {
  BEARER_SECURITY_SCHEME,
  componentSchemas,
  errorAnswer,
  inputSchema,
  jsonAnswer,
  parameters,
  withBearerSecurity,
  type JsonSchema,
} from '@gridgov/http';
import { exportPaths } from './exports/openapi-paths.ts';
import { ResponseSchemas } from './openapi-responses.ts';
import {
  BulletinBody,
  BulletinPathParams,
  BulletinQueryParams,
  FiguresQueryParams,
  RankingQueryParams,
  StreamQueryParams,
  TrendQueryParams,
} from './schemas.ts';

const json = (name: keyof typeof ResponseSchemas, description: string) => jsonAnswer(name, description);
const error = errorAnswer;

const PUBLIC_PATHS = new Set(['/healthz', '/readyz', '/openapi.json']);

/** The OpenAPI 3.1 document of the projection's routes. */
export function openApiDocument(): JsonSchema {
  return withBearerSecurity(routesDocument(), PUBLIC_PATHS);
}

function routesDocument(): JsonSchema {
  const bad = error('Invalid input; the message names the field');
  const unknownArea = error('Unknown area');
  return {
    openapi: '3.1.0',
    info: {
      title: 'projection',
      version: '1',
      description:
        'Figures leaders ask for (考核), rankings, trends, monthly bulletins (月通报) and live figures, read from counters only.',
    },
    paths: {
      '/v1/figures': {
        get: {
          summary: 'Figures of an area in a window of report time',
          parameters: parameters(FiguresQueryParams, 'query'),
          responses: { '200': json('FiguresAnswer', 'The figures'), '400': bad, '404': unknownArea },
        },
      },
      '/v1/rankings': {
        get: {
          summary: 'The children of an area ranked by composite score, the lowest marked 末位',
          description:
            'score = wClosure × 结案率 + wOnTime × 按期结案率 + wRework × (1 − 返工率). The 末位 rule: only children with ' +
            'figures (something registered, so a score) are ranked, in `rows`; the others are listed apart in `noData` ' +
            '(无数据), neither ranked nor marked. Equal scores share a rank. The `bottom` lowest scored rows are marked 末位, ' +
            'every row tied with the boundary score included; none is marked while fewer than `bottom` + 1 children are ' +
            'ranked, and never a row sharing the first rank. Monthly bulletins follow the same rule.',
          parameters: parameters(RankingQueryParams, 'query'),
          responses: { '200': json('Ranking', 'The ranking, best first'), '400': bad, '404': unknownArea },
        },
      },
      '/v1/trends': {
        get: {
          summary: 'One figure day by day (at most 366 days)',
          parameters: parameters(TrendQueryParams, 'query'),
          responses: { '200': json('Trend', 'The daily series'), '400': bad, '404': unknownArea },
        },
      },
      '/v1/bulletins/{month}': {
        post: {
          summary: 'Freeze the ranking of a month for an area (月通报); the first freeze wins',
          parameters: parameters(BulletinPathParams, 'path'),
          requestBody: { required: true, content: { 'application/json': { schema: inputSchema(BulletinBody) } } },
          responses: {
            '201': json('FreezeAnswer', 'Frozen now'),
            '200': json('FreezeAnswer', 'Frozen before: the kept bulletin'),
            '400': bad,
            '404': unknownArea,
            '409': error('The month has not ended in Asia/Shanghai; the message says when it can be frozen'),
          },
        },
        get: {
          summary: 'A frozen monthly bulletin',
          parameters: [...parameters(BulletinPathParams, 'path'), ...parameters(BulletinQueryParams, 'query')],
          responses: { '200': json('Bulletin', 'The bulletin'), '400': bad, '404': error('Unknown area, or no bulletin of that month') },
        },
      },
      ...exportPaths({ bad, unknownArea, error }),
      '/v1/streams/figures': {
        get: {
          summary: 'Live figures over server-sent events',
          description:
            'Sends `event: figures` with a FiguresAnswer at once and again whenever the figures change (at most every STREAM_MIN_INTERVAL_MS), and a `: keep-alive` comment every 15 s. ' +
            'The stream ends when its token would be refused: a last `event: token-expired` carries the error (UNAUTHENTICATED); reconnect with a fresh token. ' +
            'A user holds at most STREAMS_PER_USER streams open over every instance: beyond, 429 TOO_MANY_STREAMS.',
          parameters: parameters(StreamQueryParams, 'query'),
          responses: {
            '200': {
              description: 'An event stream; the data of each `figures` event is a FiguresAnswer (#/components/schemas/FiguresAnswer)',
              content: { 'text/event-stream': { schema: { type: 'string' } } },
            },
            '400': bad,
            '404': unknownArea,
            '429': error('The user already holds STREAMS_PER_USER streams open (TOO_MANY_STREAMS)'),
          },
        },
      },
      '/healthz': {
        get: { summary: 'Liveness', responses: { '200': { description: 'The process answers' } } },
      },
      '/readyz': {
        get: {
          summary: 'Readiness: Redis answers',
          responses: { '200': { description: 'Ready' }, '503': { description: 'Not ready' } },
        },
      },
      '/openapi.json': {
        get: { summary: 'This document', responses: { '200': { description: 'OpenAPI 3.1 document' } } },
      },
    },
    security: [{ bearer: [] }],
    components: {
      schemas: componentSchemas(ResponseSchemas),
      securitySchemes: {
        bearer: BEARER_SECURITY_SCHEME,
      },
    },
  };
}
