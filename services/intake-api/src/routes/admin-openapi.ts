import { AreasDocument, CalendarDocument, PolicyDocument, RoutingDocument } from '@gridgov/config-data';
import { errorAnswer, inputSchema, parameters, type JsonSchema } from '@gridgov/http';
import { AuditQuery, CategoryBody, CategoryParams, DepartmentBody, DepartmentParams, VersionHeaders } from './admin.ts';

const described = (description: string): JsonSchema => ({ description, content: { 'application/json': { schema: { type: 'object' } } } });
const body = (schema: Parameters<typeof inputSchema>[0]) => ({
  required: true,
  content: { 'application/json': { schema: inputSchema(schema) } },
});
const version = parameters(VersionHeaders, 'header');
const changed = described('{version, summary}: the change is in force here (ETag: the new version)');
const refusals = {
  '400': errorAnswer('Invalid: CONFIG_INVALID with details.issues naming each row and field, or VALIDATION_FAILED; nothing applied'),
  '403': errorAnswer("Not an admin, or not of the areas concerned (deployment-wide settings: the tree's root)"),
  '409': errorAnswer('CONFIG_VERSION_CONFLICT: another change came first since the version in If-Match'),
  '428': errorAnswer('VERSION_REQUIRED: no If-Match'),
  '503': errorAnswer('Kafka did not take the change in time'),
};

/** The admin routes of the intake (ADR 0024) in its OpenAPI document. */
export function adminOpenApiPaths(): Record<string, JsonSchema> {
  return {
    '/v1/admin/config': {
      get: {
        summary:
          'The configuration in force (admins): its version (also the ETag), catalog, routing rules, calendar, policy, the number of areas',
        responses: { '200': described('{version, areas: {count}, catalog, routing, calendar, policy, changes}') },
      },
    },
    '/v1/admin/config/areas': {
      get: {
        summary: 'The area tree in force, as an areas file holds it',
        responses: { '200': described('{areas: [{code, name, level, parent}]}') },
      },
    },
    '/v1/admin/config/versions': {
      get: {
        summary: 'Every configuration version, newest first: what made it, who, when (version 0: the deployment files)',
        responses: { '200': described('{version, versions: [{version, kind, at, by, summary}]}') },
      },
    },
    '/v1/admin/audit': {
      get: {
        summary: 'Every configuration change, newest first: who, when, what, the document before and after (an area tree: its diff)',
        parameters: parameters(AuditQuery, 'query'),
        responses: {
          '200': described('{version, entries: [{version, kind, at, by, summary, before, after | diff}]}'),
          '400': refusals['400'],
        },
      },
    },
    '/v1/admin/areas/preview': {
      post: {
        summary:
          'Checks an uploaded area tree and says what applying it would change (added, renamed, moved, boundaries changed, removed); writes nothing',
        requestBody: body(AreasDocument),
        responses: {
          '200': described('{version, diff, summary, areas, blockedByCases}'),
          '400': refusals['400'],
          '403': refusals['403'],
          '413': errorAnswer('Larger than ADMIN_IMPORT_MAX_BYTES'),
        },
      },
    },
    '/v1/admin/areas': {
      put: {
        summary:
          "Applies an uploaded area tree (every area changed must be in the admin's areas); refused while an area it removes has cases",
        parameters: version,
        requestBody: body(AreasDocument),
        responses: {
          '200': described('{version, summary, diff}'),
          ...refusals,
          '409': errorAnswer('AREA_HAS_CASES (details.areas), or CONFIG_VERSION_CONFLICT'),
          '413': errorAnswer('Larger than ADMIN_IMPORT_MAX_BYTES'),
        },
      },
    },
    '/v1/admin/categories/{code}': {
      put: {
        summary: 'Adds or changes a category: name, default department, handling deadline per urgency, confidential',
        parameters: [...parameters(CategoryParams, 'path'), ...version],
        requestBody: body(CategoryBody),
        responses: { '200': changed, ...refusals },
      },
      delete: {
        summary: 'Removes a category (cases of it keep their deadlines; refused while a routing rule names it)',
        parameters: [...parameters(CategoryParams, 'path'), ...version],
        responses: { '200': changed, ...refusals },
      },
    },
    '/v1/admin/departments/{code}': {
      put: {
        summary: 'Adds or renames a department',
        parameters: [...parameters(DepartmentParams, 'path'), ...version],
        requestBody: body(DepartmentBody),
        responses: { '200': changed, ...refusals },
      },
      delete: {
        summary: 'Removes a department (refused while a category or routing rule names it)',
        parameters: [...parameters(DepartmentParams, 'path'), ...version],
        responses: { '200': changed, ...refusals },
      },
    },
    '/v1/admin/routing': {
      put: {
        summary: "Replaces the routing rules (category × area → department); each rule added or removed must be in the admin's areas",
        parameters: version,
        requestBody: body(RoutingDocument),
        responses: { '200': changed, ...refusals },
      },
    },
    '/v1/admin/calendar': {
      put: {
        summary: 'Replaces the office hours and the holiday notices (for cases decided from now on)',
        parameters: version,
        requestBody: body(CalendarDocument),
        responses: { '200': changed, ...refusals },
      },
    },
    '/v1/admin/policy': {
      put: {
        summary: 'Replaces the deadlines not per category: dispatch, sign-for, verification, escalation period, warnings, retention',
        parameters: version,
        requestBody: body(PolicyDocument),
        responses: { '200': changed, ...refusals },
      },
    },
  };
}
