import { Validator } from '@seriousme/openapi-schema-validator';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormatsPlugin from 'ajv-formats';
import { CLIENT_TIMEOUT_MS } from './client.ts';

/**
 * The contract check (ADR 0027): a client that records every answer a service gives and judges it by the OpenAPI
 * document the service publishes: the route and status are documented, the content type is one the document names,
 * and a JSON body validates against the documented schema (JSON Schema 2020-12, with the document's components).
 */
type Json = Record<string, unknown>;
const addFormats = addFormatsPlugin as unknown as (ajv: Ajv2020) => Ajv2020;

interface Operation {
  readonly responses: Record<string, { content?: Record<string, { schema?: Json }> }>;
}

export interface Recorded {
  readonly status: number;
  readonly contentType: string;
  readonly text: string;
  /** The body parsed, when it is JSON. */
  readonly json: unknown;
}

/** Whether the document is valid OpenAPI 3.1 (the specification's own schema): the problems, none when valid. */
export async function openApiProblems(document: Json): Promise<string[]> {
  const result = await new Validator().validate(structuredClone(document));
  return result.valid ? [] : [JSON.stringify(result.errors).slice(0, 2_000)];
}

export class ContractClient {
  /** Every answer that broke the document: what was asked, and why. */
  readonly problems: string[] = [];
  /** The documented operations answered at least once: `GET /v1/x/{id}`. */
  readonly covered = new Set<string>();
  private readonly ajv = addFormats(new Ajv2020({ strict: false, allErrors: true, logger: false }));
  private readonly templates: { template: string; pattern: RegExp; params: number }[];

  private constructor(
    readonly service: string,
    readonly baseUrl: string,
    readonly document: Json,
  ) {
    this.ajv.addSchema(document, 'openapi.json');
    this.templates = Object.keys(document['paths'] as Json)
      .map((template) => ({
        template,
        pattern: new RegExp(`^${template.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\{[^}]+\}/g, '[^/]+')}$`),
        params: (template.match(/\{/g) ?? []).length,
      }))
      // A path without parameters wins over a template that also matches it (/v1/incidents/counts, not {id}).
      .sort((a, b) => a.params - b.params);
  }

  /** The service's published document, read from its /openapi.json. */
  static async of(service: string, baseUrl: string): Promise<ContractClient> {
    const res = await fetch(`${baseUrl}/openapi.json`, { signal: AbortSignal.timeout(CLIENT_TIMEOUT_MS) });
    if (res.status !== 200) throw new Error(`${service}: /openapi.json answered ${res.status}`);
    return new ContractClient(service, baseUrl, (await res.json()) as Json);
  }

  /** Every operation the document lists: `GET /v1/x/{id}`. */
  operations(): string[] {
    return Object.entries(this.document['paths'] as Record<string, Json>).flatMap(([path, ops]) =>
      Object.keys(ops).map((method) => `${method.toUpperCase()} ${path}`),
    );
  }

  /** One request, its answer judged by the document. */
  async call(method: string, path: string, init: { headers?: Record<string, string>; body?: unknown } = {}): Promise<Recorded> {
    // Bytes as they are; a form (URLSearchParams) form-encoded, as fetch sends it; anything else as JSON.
    const asIs = init.body instanceof Uint8Array || init.body instanceof URLSearchParams;
    const res = await fetch(`${this.baseUrl}${path}`, {
      method,
      headers: { ...(init.body !== undefined && !asIs ? { 'content-type': 'application/json' } : {}), ...init.headers },
      ...(init.body === undefined
        ? {}
        : { body: asIs ? (init.body as Uint8Array<ArrayBuffer> | URLSearchParams) : JSON.stringify(init.body) }),
      signal: AbortSignal.timeout(CLIENT_TIMEOUT_MS),
    });
    const contentType = (res.headers.get('content-type') ?? '').split(';')[0]!.trim();
    const buffer = Buffer.from(await res.arrayBuffer());
    const text = contentType.startsWith('image/') ? '' : buffer.toString('utf8');
    const json = contentType === 'application/json' && text ? (JSON.parse(text) as unknown) : undefined;
    const recorded = { status: res.status, contentType, text, json };
    this.judge(method, path, recorded);
    return recorded;
  }

  /**
   * A server-sent events route: its status and content type judged, and the data of the first event named `event`
   * read and judged by `schemaOf` (the component it carries); the stream is then closed.
   */
  async firstEvent(path: string, headers: Record<string, string>, event: string, component: string): Promise<unknown> {
    const abort = new AbortController();
    const timer = setTimeout(() => abort.abort(), CLIENT_TIMEOUT_MS);
    try {
      const res = await fetch(`${this.baseUrl}${path}`, { headers, signal: abort.signal });
      const contentType = (res.headers.get('content-type') ?? '').split(';')[0]!.trim();
      this.judge('GET', path, { status: res.status, contentType, text: '', json: undefined });
      const reader = res.body!.getReader();
      let buffered = '';
      for (;;) {
        const chunk = await reader.read();
        if (chunk.done) throw new Error(`${this.service} GET ${path}: the stream ended before an event ${event}`);
        buffered += Buffer.from(chunk.value as Uint8Array).toString('utf8');
        const found = buffered.split('\n\n').find((block) => block.startsWith(`event: ${event}\n`));
        if (found) {
          const data = JSON.parse(found.slice(found.indexOf('data: ') + 6)) as unknown;
          const check = this.ajv.getSchema(`openapi.json#/components/schemas/${component}`);
          if (!check) this.problems.push(`${this.service} GET ${path}: no component ${component}`);
          else if (!check(data)) {
            this.problems.push(`${this.service} GET ${path} event ${event}: ${this.ajv.errorsText(check.errors)}`);
          }
          return data;
        }
      }
    } finally {
      clearTimeout(timer);
      abort.abort();
    }
  }

  private judge(method: string, path: string, answer: Recorded): void {
    const pathname = path.split('?')[0]!;
    const where = `${this.service} ${method} ${path} → ${answer.status}`;
    const found = this.templates.find((t) => t.pattern.test(pathname));
    const operation =
      found && (this.document['paths'] as Record<string, Record<string, Operation>>)[found.template]?.[method.toLowerCase()];
    if (!found || !operation) {
      this.problems.push(`${where}: no such operation in the document`);
      return;
    }
    const op = `${method.toUpperCase()} ${found.template}`;
    this.covered.add(op);
    const response = operation.responses[String(answer.status)];
    if (!response) {
      this.problems.push(`${where}: status not documented (documented: ${Object.keys(operation.responses).join(', ')})`);
      return;
    }
    const content = response.content;
    if (!content) return;
    if (!content[answer.contentType]) {
      this.problems.push(`${where}: content type ${answer.contentType} not documented (${Object.keys(content).join(', ')})`);
      return;
    }
    if (answer.contentType !== 'application/json') return;
    const pointer = [
      'paths',
      found.template,
      method.toLowerCase(),
      'responses',
      String(answer.status),
      'content',
      answer.contentType,
      'schema',
    ]
      .map((p) => p.replace(/~/g, '~0').replace(/\//g, '~1'))
      .join('/');
    const check = this.ajv.getSchema(`openapi.json#/${pointer}`);
    if (!check) {
      this.problems.push(`${where}: the documented schema does not compile`);
      return;
    }
    if (!check(answer.json)) this.problems.push(`${where}: ${this.ajv.errorsText(check.errors)} in ${answer.text.slice(0, 300)}`);
  }
}
