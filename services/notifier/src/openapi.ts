import {
  BEARER_SECURITY_SCHEME,
  componentSchemas,
  ErrorAnswer,
  errorAnswer,
  inputSchema,
  parameters,
  withBearerSecurity,
  type JsonSchema,
} from '@gridgov/http';
import { InboxQuery, ReadBody } from './app.ts';
import { DirectoryData } from './directory.ts';

const PUBLIC_PATHS = new Set(['/healthz', '/readyz', '/openapi.json']);
const bad = errorAnswer('Invalid input; the message names the field');
const away = errorAnswer('Redis did not answer in time (STORE_UNAVAILABLE); Retry-After');
const described = (description: string): JsonSchema => ({ description, content: { 'application/json': { schema: { type: 'object' } } } });

/** The OpenAPI 3.1 document of the notifier's routes, from the schemas they validate with. */
export function openApiDocument(): JsonSchema {
  return withBearerSecurity(
    {
      openapi: '3.1.0',
      info: {
        title: 'notifier',
        version: '1',
        description:
          "The in-app inbox of grid.notifications (port 8083): each caller sees only their own (the token's subject is the person of the directory), and the directory of people and webhooks (ADR 0022).",
      },
      paths: {
        '/v1/notifications': {
          get: {
            summary: "The caller's inbox, newest first, with the unread count; pass next as cursor for the next page",
            parameters: parameters(InboxQuery, 'query'),
            responses: {
              '200': described('{items: [{id, incidentId, kind, message, at, urgency?, read}…], unread, next}'),
              '400': bad,
              '503': away,
            },
          },
        },
        '/v1/notifications/stream': {
          get: {
            summary: "Server-sent events of the caller's inbox: `unread` at once and on every change, `notification` for each new entry",
            responses: { '200': { description: 'text/event-stream', content: { 'text/event-stream': { schema: { type: 'string' } } } } },
          },
        },
        '/v1/notifications/read': {
          post: {
            summary: 'Marks entries of the caller read: {ids: [...]} or {all: true}; answers the unread count',
            requestBody: { required: true, content: { 'application/json': { schema: inputSchema(ReadBody) } } },
            responses: { '200': described('{unread}'), '400': bad, '503': away },
          },
        },
        '/v1/directory': {
          get: {
            summary: 'The directory of people and webhooks now in use (admins)',
            responses: { '200': described('{people, webhooks}') },
          },
          put: {
            summary: 'Replaces the directory (admins), validated whole, until the next start (DIRECTORY_FILE then)',
            requestBody: { required: true, content: { 'application/json': { schema: inputSchema(DirectoryData) } } },
            responses: { '200': described('{people, webhooks}: how many'), '400': bad },
          },
        },
        '/healthz': { get: { summary: 'Liveness', responses: { '200': { description: 'The process answers' } } } },
        '/readyz': {
          get: {
            summary: 'Readiness: Kafka and Redis answer',
            responses: { '200': { description: 'Ready' }, '503': { description: 'Not ready: each dependency up or down' } },
          },
        },
        '/openapi.json': { get: { summary: 'This document', responses: { '200': { description: 'OpenAPI 3.1 document' } } } },
      },
      security: [{ bearer: [] }],
      components: { schemas: componentSchemas({ Error: ErrorAnswer }), securitySchemes: { bearer: BEARER_SECURITY_SCHEME } },
    },
    PUBLIC_PATHS,
  );
}
