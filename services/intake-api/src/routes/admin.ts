import {
  CategoryData,
  ConfigConflictError,
  ConfigKind,
  ConfigNotReadError,
  DepartmentData,
  describeAreaDiff,
  diffAreas,
  InvalidConfigError,
  parseDocument,
  AreasDocument,
  CalendarDocument,
  CatalogDocument,
  PolicyDocument,
  RoutingDocument,
  type AuditEntry,
  type ConfigDocuments,
  type ConfigIssue,
  type ConfigSnapshot,
  type ProposedChange,
} from '@gridgov/config-data';
import type { Actor } from '@gridgov/contracts';
import { CategoryCode, DepartmentCode } from '@gridgov/contracts';
import { authorise, type AreaTree } from '@gridgov/domain';
import {
  ApiError,
  BAD_REQUEST,
  DependencyUnavailableError,
  errorAnswer,
  jsonAnswer,
  parseOr400,
  requestActor,
  type ZodTypeProvider,
} from '@gridgov/http';
import { AreaImportFormats, describeProblem, parseAreaImport, type AreaImportFormat, type ImportProblem } from '@gridgov/geo';
import { filterIndexKeys } from '@gridgov/read-model';
import type { Redis } from '@gridgov/redis';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';

/** What the admin routes need of the configuration: the version in force, its history, and a writer (ADR 0024). */
export interface AdminConfig {
  readonly current: () => ConfigSnapshot;
  readonly changes: () => readonly AuditEntry[];
  readonly write: <K extends ConfigKind>(change: ProposedChange<K>) => Promise<ConfigSnapshot>;
  /** ADMIN_IMPORT_MAX_BYTES: the largest body of a configuration change (an area tree import). */
  readonly importMaxBytes: number;
}

export interface AdminDeps {
  readonly admin: AdminConfig;
  readonly redis: Redis;
  readonly keyPrefix: string;
  readonly clock: () => Promise<Date>;
}

/** How an area tree file comes: `?format=` or its content type (text/csv, application/geo+json, application/json). */
export const AreaImportQuery = z.object({
  format: z
    .enum(AreaImportFormats, { error: `query.format is one of ${AreaImportFormats.join(', ')}` })
    .optional()
    .describe('The file format; without it, from the content type (a JSON FeatureCollection is GeoJSON)'),
});
/** The content types an area tree file may be sent as, and the format each one means. */
export const AREA_FILE_TYPES: Readonly<Record<string, AreaImportFormat>> = {
  'text/csv': 'csv',
  'application/geo+json': 'geojson',
  'application/json': 'json',
};

/** One thing wrong with an uploaded area tree, as the 400 lists it: the row and column (null for the file as a whole). */
export type AreaFileProblem = ImportProblem;

/**
 * An uploaded area tree as a document (ADR 0025): read by packages/geo's parseAreaImport in any of its formats, so
 * that the answer names the row and column of each problem (CSV line and column, or the JSON/GeoJSON item and property).
 */
export function importAreaTree(
  format: AreaImportFormat,
  text: string,
): { ok: true; document: AreasDocument } | { ok: false; problems: readonly ImportProblem[] } {
  const parsed = parseAreaImport(format, text);
  if (!parsed.ok) return { ok: false, problems: parsed.problems };
  return { ok: true, document: { areas: [...parsed.areas] } };
}

/** The format of an upload: the query's, else its content type's; JSON holding a FeatureCollection is GeoJSON. */
function areaFileFormat(request: FastifyRequest, text: string): AreaImportFormat {
  const { format } = parseOr400(AreaImportQuery, 'query', request.query);
  if (format) return format;
  const type = (request.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  const byType = AREA_FILE_TYPES[type];
  if (!byType) {
    throw new ApiError(
      415,
      'UNSUPPORTED_MEDIA_TYPE',
      `headers.content-type: an area tree is sent as ${Object.keys(AREA_FILE_TYPES).join(', ')} (or name ?format=)`,
    );
  }
  // A FeatureCollection names its type before or after its features: looked for at either end, not parsed twice.
  const collection = /"type"\s*:\s*"FeatureCollection"/;
  if (byType === 'json' && (collection.test(text.slice(0, 4096)) || collection.test(text.slice(-4096)))) return 'geojson';
  return byType;
}

const badAreaFile = (problems: readonly ImportProblem[]): ApiError => {
  const first = problems[0];
  return new ApiError(
    400,
    'CONFIG_INVALID',
    first ? `${describeProblem(first)}${problems.length > 1 ? ` (and ${problems.length - 1} more problems)` : ''}` : 'invalid area file',
    { problems },
  );
};

const invalid = (issues: readonly ConfigIssue[]): ApiError => {
  const first = issues[0];
  return new ApiError(400, 'CONFIG_INVALID', first ? `${first.path || first.kind}: ${first.message}` : 'invalid configuration', {
    issues,
  });
};

/** The version an admin saw (If-Match: "7", W/"7" or 7; or ?expectedVersion=7): a change is applied only on top of it. */
function expectedVersion(request: FastifyRequest): number {
  const header = request.headers['if-match'];
  const query = (request.query as Record<string, unknown> | undefined)?.['expectedVersion'];
  const text =
    typeof header === 'string' ? header.replace(/^W\//, '').replaceAll('"', '').trim() : typeof query === 'string' ? query : undefined;
  if (text === undefined) {
    throw new ApiError(
      428,
      'VERSION_REQUIRED',
      'headers.if-match: name the configuration version the change is made on (the ETag of GET /v1/admin/config)',
    );
  }
  if (!/^\d{1,10}$/.test(text))
    throw new ApiError(400, 'VALIDATION_FAILED', `headers.if-match: ${JSON.stringify(text)} is not a version number`);
  return Number(text);
}

const conflict = (err: ConfigConflictError): ApiError =>
  new ApiError(409, 'CONFIG_VERSION_CONFLICT', `headers.if-match: ${err.message}`, { expected: err.expected, current: err.current });

const etag = (version: number) => `"${version}"`;

export const CategoryParams = z.object({ code: CategoryCode });
export const DepartmentParams = z.object({ code: DepartmentCode });
export const CategoryBody = CategoryData.omit({ code: true });
export const DepartmentBody = DepartmentData.omit({ code: true });
/** The version a change is made on, as a header (or ?expectedVersion=). */
export const VersionHeaders = z.object({
  'if-match': z.string().describe('The configuration version the change is made on: "7" (the ETag of GET /v1/admin/config)'),
});
export const AuditQuery = z.object({
  kind: ConfigKind.optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  /** Entries before this version (paging back). */
  before: z.coerce.number().int().min(1).optional(),
});

/** A change applied: the version it made and what it did, in one line (as the audit keeps it). */
export const ConfigChanged = z.object({ version: z.number().int(), summary: z.string() });
const AreaDiffAnswer = z.object({
  added: z.array(z.object({ code: z.string(), name: z.string(), level: z.string(), parent: z.string().nullable() })).readonly(),
  renamed: z.array(z.object({ code: z.string(), from: z.string(), to: z.string() })).readonly(),
  moved: z.array(z.object({ code: z.string(), from: z.string().nullable(), to: z.string().nullable() })).readonly(),
  boundariesChanged: z.array(z.string()).readonly(),
  removed: z.array(z.object({ code: z.string(), name: z.string(), level: z.string() })).readonly(),
  unchanged: z.number().int(),
});
export const AdminConfigAnswer = z.object({
  version: z.number().int().describe('The configuration version in force (also the ETag)'),
  areas: z.object({ count: z.number().int() }).describe('The area tree: its size (GET /v1/admin/config/areas has it whole)'),
  catalog: CatalogDocument,
  routing: RoutingDocument,
  calendar: CalendarDocument,
  policy: PolicyDocument,
  changes: z.number().int().describe('How many changes grid.config holds'),
});
const Who = z.object({ id: z.string(), role: z.string() });
export const ConfigVersions = z.object({
  version: z.number().int(),
  versions: z.array(
    z.object({
      version: z.number().int(),
      kind: ConfigKind.nullable(),
      at: z.string().nullable(),
      by: Who.nullable(),
      summary: z.string(),
    }),
  ),
});
export const AuditAnswer = z.object({
  version: z.number().int(),
  entries: z.array(
    z.object({
      version: z.number().int(),
      kind: ConfigKind,
      at: z.string(),
      by: Who,
      summary: z.string(),
      diff: AreaDiffAnswer.optional().describe('An area tree change: what it changed, by code'),
      before: z.unknown().optional().describe('Any other change: the document before'),
      after: z.unknown().optional().describe('… and after'),
    }),
  ),
});
export const AreaPreview = z.object({
  version: z.number().int().describe('The version the preview was made on: send it as If-Match to apply'),
  diff: AreaDiffAnswer,
  summary: z.string(),
  areas: z.number().int(),
  blockedByCases: z.array(z.object({ code: z.string(), cases: z.number().int() })),
});
export const AreasApplied = ConfigChanged.extend({ diff: AreaDiffAnswer });

const CHANGE_ERRORS = {
  400: BAD_REQUEST,
  409: errorAnswer('Made on another version than the one in force (CONFIG_VERSION_CONFLICT), or an area with cases removed'),
  428: errorAnswer('No If-Match naming the version the change is made on (VERSION_REQUIRED)'),
  503: errorAnswer('Written, maybe, but not read back in time: reload (KAFKA_UNAVAILABLE)'),
} as const;
const AREA_FILE_ERRORS = {
  413: errorAnswer('Larger than ADMIN_IMPORT_MAX_BYTES (BODY_TOO_LARGE)'),
  415: errorAnswer('Neither text/csv, application/geo+json nor application/json, and no ?format= (UNSUPPORTED_MEDIA_TYPE)'),
} as const;

/** Admin routes: configuration as versioned data (areas, catalog, routing, calendar, policy), audited (ADR 0024). */
export function registerAdminRoutes(app: FastifyInstance, deps: AdminDeps): void {
  const { admin } = deps;

  /** 403 unless the caller is an admin holding `area` (or an area above it) in `tree`. */
  const mayAdminister = (actor: Actor, area: string, tree: AreaTree) => {
    const decision = authorise(actor, 'Administer', { area }, tree);
    if (!decision.allowed) throw new ApiError(403, decision.code, decision.message);
  };
  /** Deployment-wide settings (catalog, calendar, policy): for an admin of the whole tree, its root. */
  const mayAdministerAll = (actor: Actor) => {
    const tree = admin.current().areas;
    const root = admin.current().documents.areas.areas.find((a) => a.parent === null)!.code;
    mayAdminister(actor, root, tree);
  };
  /** Reading the configuration: an admin holding some area of the tree in force. */
  const mayRead = (actor: Actor) => {
    const current = admin.current();
    const held = (actor.areas ?? []).find((a) => current.areas.has(a));
    mayAdminister(actor, held ?? actor.areas?.[0] ?? '', current.areas);
  };
  const adminActor = (request: FastifyRequest): Actor => {
    const actor = requestActor(request);
    if (actor.role !== 'admin')
      throw new ApiError(403, 'FORBIDDEN_ROLE', `the admin routes are for the admin role, not ${actor.role} (${actor.id})`);
    return actor;
  };

  /** Writes one change: the whole new document of its kind, on top of the version the admin saw. */
  const change = async <K extends ConfigKind>(
    request: FastifyRequest,
    actor: Actor,
    kind: K,
    after: ConfigDocuments[K],
    summary: string,
  ) => {
    const expected = expectedVersion(request);
    const current = admin.current();
    if (expected !== current.version) throw conflict(new ConfigConflictError(expected, current.version));
    try {
      // Checked here against the version in force, so that a bad change is answered 400 and never written.
      current.with(kind, after);
    } catch (err) {
      if (err instanceof InvalidConfigError) throw invalid(err.issues);
      throw err;
    }
    let made: ConfigSnapshot;
    try {
      made = await admin.write({
        kind,
        after,
        by: { id: actor.id, role: actor.role },
        summary,
        expectedVersion: expected,
        at: await deps.clock(),
      });
    } catch (err) {
      if (err instanceof ConfigConflictError) throw conflict(err);
      // Written, maybe, but not read back in time: the admin reloads and sees whether it is in force.
      if (err instanceof ConfigNotReadError)
        throw new DependencyUnavailableError('kafka', 'the change was not read back in time; reload the configuration', err);
      throw err;
    }
    request.log.info({ configVersion: made.version, kind, by: actor.id, summary }, 'configuration changed');
    return made;
  };
  const answer = (made: ConfigSnapshot, summary: string) => ({ version: made.version, summary });

  const api = app.withTypeProvider<ZodTypeProvider>();
  const readSchema = <S extends z.ZodType>(summary: string, answer: S, description: string) => ({
    summary,
    response: { 200: jsonAnswer(answer, description) },
  });
  api.get(
    '/v1/admin/config',
    { schema: readSchema('The configuration in force: catalog, routing, calendar, policy', AdminConfigAnswer, 'The configuration') },
    (request, reply) => {
      const actor = adminActor(request);
      const current = admin.current();
      mayRead(actor);
      const { areas, ...rest } = current.documents;
      void reply.header('etag', etag(current.version));
      return { version: current.version, areas: { count: areas.areas.length }, ...rest, changes: admin.changes().length };
    },
  );

  api.get(
    '/v1/admin/config/areas',
    { schema: readSchema('The area tree in force, as an areas file', AreasDocument, 'The area tree') },
    (request, reply) => {
      const actor = adminActor(request);
      const current = admin.current();
      mayRead(actor);
      void reply.header('etag', etag(current.version));
      return current.documents.areas;
    },
  );

  /** The versions: what each change made, newest first, without the documents (the audit has them). */
  api.get(
    '/v1/admin/config/versions',
    { schema: readSchema('The configuration versions, newest first', ConfigVersions, 'The versions') },
    (request) => {
      const actor = adminActor(request);
      mayRead(actor);
      const versions = admin
        .changes()
        .map((e) => ({ version: e.version, kind: e.kind, at: e.at, by: e.by, summary: e.summary }))
        .reverse();
      return {
        version: admin.current().version,
        versions: [...versions, { version: 0, kind: null, at: null, by: null, summary: "the deployment's files" }],
      };
    },
  );

  /** The audit: every change, newest first, with who, when, and the document before and after (an area tree: its diff). */
  const auditSchema = {
    summary: 'Every configuration change, newest first: who, when, before and after (an area tree: its diff)',
    querystring: AuditQuery,
    response: { 200: jsonAnswer(AuditAnswer, 'The audit'), 400: BAD_REQUEST },
  };
  api.get('/v1/admin/audit', { schema: auditSchema }, (request) => {
    const actor = adminActor(request);
    mayRead(actor);
    const query = request.query;
    const entries = admin
      .changes()
      .filter((e) => (query.kind === undefined || e.kind === query.kind) && (query.before === undefined || e.version < query.before))
      .slice(-query.limit)
      .reverse()
      .map((e) => {
        const head = { version: e.version, kind: e.kind, at: e.at, by: e.by, summary: e.summary };
        return e.kind === 'areas'
          ? { ...head, diff: diffAreas(e.before as AreasDocument, e.after as AreasDocument) }
          : { ...head, before: e.before, after: e.after };
      });
    return { version: admin.current().version, entries };
  });

  // Area tree files: read as text whatever their type (CSV, JSON, GeoJSON), up to ADMIN_IMPORT_MAX_BYTES (413 beyond).
  void app.register((scope, _options, done) => {
    scope.removeContentTypeParser('application/json');
    scope.addContentTypeParser(
      [...Object.keys(AREA_FILE_TYPES), 'text/plain'],
      { parseAs: 'string', bodyLimit: admin.importMaxBytes },
      (_request, body, parsed) => parsed(null, body),
    );
    const areaBody = { bodyLimit: admin.importMaxBytes };

    /** Checks an uploaded tree and says what applying it would change: nothing is written. */
    const areas = scope.withTypeProvider<ZodTypeProvider>();
    const previewSchema = {
      summary: 'Checks an area tree file (CSV, JSON or GeoJSON) and says what applying it would change; nothing is written',
      querystring: AreaImportQuery,
      response: { 200: jsonAnswer(AreaPreview, 'The diff'), 400: BAD_REQUEST, ...AREA_FILE_ERRORS },
    };
    areas.post('/v1/admin/areas/preview', { ...areaBody, schema: previewSchema }, async (request) => {
      const actor = adminActor(request);
      const { tree, diff, blocked } = await planAreas(request, actor);
      return {
        version: admin.current().version,
        diff,
        summary: describeAreaDiff(diff),
        areas: tree.areas.length,
        blockedByCases: blocked,
      };
    });

    const applySchema = {
      summary: 'Applies an area tree file (CSV, JSON or GeoJSON) on the version named by If-Match',
      querystring: AreaImportQuery,
      response: { 200: jsonAnswer(AreasApplied, 'Applied'), ...CHANGE_ERRORS, ...AREA_FILE_ERRORS },
    };
    areas.put('/v1/admin/areas', { ...areaBody, schema: applySchema }, async (request, reply) => {
      const actor = adminActor(request);
      const { tree, diff, blocked } = await planAreas(request, actor);
      if (blocked.length > 0) {
        throw new ApiError(409, 'AREA_HAS_CASES', `areas ${blocked.map((b) => b.code).join(', ')} have cases: they cannot be removed`, {
          areas: blocked,
        });
      }
      const summary = `area tree imported: ${describeAreaDiff(diff)}`;
      const made = await change(request, actor, 'areas', tree, summary);
      void reply.header('etag', etag(made.version));
      return { ...answer(made, summary), diff };
    });
    done();
  });

  /** Parses and checks an uploaded tree: its diff against the tree in force, every changed area the admin's, and which removed areas have cases. */
  const planAreas = async (request: FastifyRequest, actor: Actor) => {
    const text = typeof request.body === 'string' ? request.body : '';
    const parsed = importAreaTree(areaFileFormat(request, text), text);
    if (!parsed.ok) throw badAreaFile(parsed.problems);
    const current = admin.current();
    try {
      current.with('areas', parsed.document);
    } catch (err) {
      if (err instanceof InvalidConfigError) throw invalid(err.issues);
      throw err;
    }
    const diff = diffAreas(current.documents.areas, parsed.document);
    const next = current.with('areas', parsed.document);
    for (const a of diff.added) mayAdminister(actor, a.code, next.areas);
    for (const code of [...diff.renamed.map((r) => r.code), ...diff.moved.map((m) => m.code), ...diff.boundariesChanged]) {
      mayAdminister(actor, code, current.areas);
      mayAdminister(actor, code, next.areas);
    }
    for (const r of diff.removed) mayAdminister(actor, r.code, current.areas);
    const blocked = await withCases(diff.removed.map((r) => r.code));
    return { tree: parsed.document, diff, blocked };
  };

  /** Of these areas, those with cases (the read model's area index: every case is under its grid and each area above). */
  const withCases = async (codes: readonly string[]): Promise<{ code: string; cases: number }[]> => {
    if (codes.length === 0) return [];
    const keys = filterIndexKeys(deps.keyPrefix);
    const pipeline = deps.redis.pipeline();
    for (const code of codes) pipeline.scard(keys.facet(`area:${code}`));
    const results = (await pipeline.exec()) ?? [];
    return codes.flatMap((code, i) => {
      const [err, n] = results[i] ?? [new Error('no answer')];
      if (err) throw err;
      return Number(n) > 0 ? [{ code, cases: Number(n) }] : [];
    });
  };

  api.put(
    '/v1/admin/categories/:code',
    {
      schema: {
        summary: 'Adds or changes a category: its name, default department, deadlines per urgency',
        params: CategoryParams,
        body: CategoryBody,
        response: { 200: jsonAnswer(ConfigChanged, 'Applied'), ...CHANGE_ERRORS },
      },
    },
    async (request, reply) => {
      const actor = adminActor(request);
      mayAdministerAll(actor);
      const { code } = parseOr400(CategoryParams, 'params', request.params);
      const body = parseOr400(CategoryBody, 'body', request.body);
      const catalog = admin.current().documents.catalog;
      const exists = catalog.categories.some((c) => c.code === code);
      const category = { code, ...body };
      const categories = exists ? catalog.categories.map((c) => (c.code === code ? category : c)) : [...catalog.categories, category];
      const summary = `category ${exists ? 'changed' : 'added'}: ${code} ${body.name}`;
      const made = await change(request, actor, 'catalog', { ...catalog, categories }, summary);
      void reply.header('etag', etag(made.version));
      return answer(made, summary);
    },
  );

  api.delete(
    '/v1/admin/categories/:code',
    {
      schema: {
        summary: 'Removes a category',
        params: CategoryParams,
        response: { 200: jsonAnswer(ConfigChanged, 'Applied'), ...CHANGE_ERRORS },
      },
    },
    async (request, reply) => {
      const actor = adminActor(request);
      mayAdministerAll(actor);
      const { code } = parseOr400(CategoryParams, 'params', request.params);
      const catalog = admin.current().documents.catalog;
      if (!catalog.categories.some((c) => c.code === code))
        throw new ApiError(400, 'UNKNOWN_CATEGORY', `params.code: ${code} is not in the catalog`);
      const summary = `category removed: ${code}`;
      const made = await change(
        request,
        actor,
        'catalog',
        { ...catalog, categories: catalog.categories.filter((c) => c.code !== code) },
        summary,
      );
      void reply.header('etag', etag(made.version));
      return answer(made, summary);
    },
  );

  api.put(
    '/v1/admin/departments/:code',
    {
      schema: {
        summary: 'Adds or changes a department',
        params: DepartmentParams,
        body: DepartmentBody,
        response: { 200: jsonAnswer(ConfigChanged, 'Applied'), ...CHANGE_ERRORS },
      },
    },
    async (request, reply) => {
      const actor = adminActor(request);
      mayAdministerAll(actor);
      const { code } = parseOr400(DepartmentParams, 'params', request.params);
      const body = parseOr400(DepartmentBody, 'body', request.body);
      const catalog = admin.current().documents.catalog;
      const exists = catalog.departments.some((d) => d.code === code);
      const department = { code, ...body };
      const departments = exists
        ? catalog.departments.map((d) => (d.code === code ? department : d))
        : [...catalog.departments, department];
      const summary = `department ${exists ? 'changed' : 'added'}: ${code} ${body.name}`;
      const made = await change(request, actor, 'catalog', { ...catalog, departments }, summary);
      void reply.header('etag', etag(made.version));
      return answer(made, summary);
    },
  );

  api.delete(
    '/v1/admin/departments/:code',
    {
      schema: {
        summary: 'Removes a department',
        params: DepartmentParams,
        response: { 200: jsonAnswer(ConfigChanged, 'Applied'), ...CHANGE_ERRORS },
      },
    },
    async (request, reply) => {
      const actor = adminActor(request);
      mayAdministerAll(actor);
      const { code } = parseOr400(DepartmentParams, 'params', request.params);
      const catalog = admin.current().documents.catalog;
      if (!catalog.departments.some((d) => d.code === code)) {
        throw new ApiError(400, 'UNKNOWN_DEPARTMENT', `params.code: ${code} is not in the catalog`);
      }
      const summary = `department removed: ${code}`;
      const made = await change(
        request,
        actor,
        'catalog',
        { ...catalog, departments: catalog.departments.filter((d) => d.code !== code) },
        summary,
      );
      void reply.header('etag', etag(made.version));
      return answer(made, summary);
    },
  );

  /** The routing table, whole: each rule added, changed or removed must lie in the admin's areas. */
  const routingSchema = {
    summary: "The routing table, whole (category × area → department); each rule changed must lie in the admin's areas",
    description: 'Body: a routing document, `{"rules": [{"area", "category", "department", "note"?}]}`.',
    response: { 200: jsonAnswer(ConfigChanged, 'Applied'), ...CHANGE_ERRORS },
  };
  api.put('/v1/admin/routing', { schema: routingSchema }, async (request, reply) => {
    const actor = adminActor(request);
    const parsed = parseDocument('routing', request.body);
    if (!parsed.ok) throw invalid(parsed.issues);
    const current = admin.current();
    const key = (r: { area: string; category: string; department: string; note?: string | undefined }) =>
      JSON.stringify([r.area, r.category, r.department, r.note ?? null]);
    const before = new Set(current.documents.routing.rules.map(key));
    const after = new Set(parsed.document.rules.map(key));
    const added = parsed.document.rules.filter((r) => !before.has(key(r)));
    const removed = current.documents.routing.rules.filter((r) => !after.has(key(r)));
    for (const r of [...added, ...removed]) if (current.areas.has(r.area)) mayAdminister(actor, r.area, current.areas);
    const summary = `routing rules: ${added.length} added or changed, ${removed.length} removed or changed`;
    const made = await change(request, actor, 'routing', parsed.document, summary);
    void reply.header('etag', etag(made.version));
    return answer(made, summary);
  });

  for (const kind of ['calendar', 'policy'] as const) {
    const documentSchema = {
      summary: kind === 'calendar' ? 'Office hours and holidays, whole' : 'The deadline policy (stages other than handling), whole',
      description:
        kind === 'calendar'
          ? 'Body: `{"officeHours": [{"start", "end"}], "holidays": {…}}` (as OFFICE_HOURS and HOLIDAYS_FILE).'
          : 'Body: `{"dispatch", "signFor", "verification", "escalationEvery", "warningFractions", "retentionMs"?}`.',
      response: { 200: jsonAnswer(ConfigChanged, 'Applied'), ...CHANGE_ERRORS },
    };
    api.put(`/v1/admin/${kind}`, { schema: documentSchema }, async (request, reply) => {
      const actor = adminActor(request);
      mayAdministerAll(actor);
      const parsed = parseDocument(kind, request.body);
      if (!parsed.ok) throw invalid(parsed.issues);
      const summary = kind === 'calendar' ? 'office hours and holidays changed' : 'deadline policy changed';
      const made = await change(request, actor, kind, parsed.document, summary);
      void reply.header('etag', etag(made.version));
      return answer(made, summary);
    });
  }
}
