import { PUBLIC_ROUTE } from '@gridgov/http';
import type { FastifyInstance } from 'fastify';
import { openApiDocument } from '../openapi.ts';

export function registerOpenApiRoute(app: FastifyInstance): void {
  // Built once: it depends on the schemas only.
  const document = openApiDocument();
  app.get('/openapi.json', { config: PUBLIC_ROUTE }, () => document);
}
