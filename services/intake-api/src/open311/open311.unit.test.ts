import { readFileSync } from 'node:fs';
import { Catalog } from '@gridgov/domain';
import type { HistoryEntry, IncidentView } from '@gridgov/read-model';
import { loadXinhuiAreas } from '@gridgov/testing';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { describe, expect, it } from 'vitest';
import { Open311Clients, sha256Hex } from './clients.ts';
import { GridLocator } from '@gridgov/geo';
import { locateGrid } from './grid-locator.ts';
import { contactOf, Open311RequestBody, Open311RequestFields, reportDataOf, requestFields, urgencyOf } from './request-fields.ts';
import { parseForm } from './routes.ts';
import { reportLineOf, SERVICE_NOTICE, serviceRequestOf } from './service-request.ts';
import { serviceDefinition, serviceList } from './services.ts';
import { xmlDocument, type XmlValue } from './xml.ts';

/** The specification's own examples (fixtures/README.md names their source). */
const fixture = (name: string) => readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8');
/** The spec's JSON writes codes as bare numbers with leading zeros (`"service_code":001`): read with them quoted. */
const specJson = (name: string): unknown =>
  JSON.parse(
    fixture(name)
      .replace(/^HTTP\/1\.1 .*$/m, '')
      .replace(/":(\s*)(0\d+)(?=[,\s}])/g, '":$1"$2"'),
  );
/** The XML of an example, its status line (errors) left off. */
const specXml = (name: string) => fixture(name).replace(/^HTTP\/1\.1 .*\n\n/, '');

/** An XML document's structure: the root, each element's child names (as a set: the spec's items vary the order). */
type Shape = { readonly [name: string]: Shape | 'text' };
function shapeOf(xml: string): Shape {
  expect(XMLValidator.validate(xml)).toBe(true);
  const tree = new XMLParser({ ignoreDeclaration: true, isArray: () => true, parseTagValue: false }).parse(xml) as Record<
    string,
    unknown[]
  >;
  const walk = (node: unknown): Shape | 'text' => {
    if (node === null || typeof node !== 'object') return 'text';
    const out: Record<string, Shape | 'text'> = {};
    for (const [name, children] of Object.entries(node as Record<string, unknown[]>)) {
      // Every item of a list has the same fields: the first one stands for all.
      out[name] = walk(children[0]);
    }
    return Object.keys(out).length === 0 ? 'text' : out;
  };
  return walk(tree) as Shape;
}

/** A JSON answer's structure: the fields of an object, an array by its first item. */
function jsonShape(value: unknown): unknown {
  if (Array.isArray(value)) return [jsonShape(value[0])];
  if (value !== null && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, jsonShape(v)]));
  return 'value';
}

const catalog = new Catalog();
const areas = loadXinhuiAreas();
const GRID = '440705001001001';

const view = (over: Partial<IncidentView> = {}): IncidentView => ({
  incidentId: '0b6c1c56-9a2f-4b07-8d6e-7b0f6a3d9e11',
  version: 1,
  status: 'reported',
  gridCode: GRID,
  category: 'exposed_rubbish',
  urgency: 'normal',
  reportedAt: '2026-11-30T08:00:00.000Z',
  reporterId: 'open311:fixmystreet',
  department: null,
  suspended: false,
  deadlines: [{ stage: 'dispatch', due: '2026-11-30T10:00:00.000Z', overdue: false }],
  escalationLevel: 0,
  reworkCount: 0,
  extensionCount: 0,
  pendingExtension: null,
  mergedDuplicates: [],
  possibleDuplicateOf: [],
  ...over,
});
const reportLine: HistoryEntry = {
  version: 1,
  type: 'IncidentReported',
  at: '2026-11-30T08:00:00.000Z',
  actor: { id: 'open311:fixmystreet', role: 'system' },
  commandId: null,
  data: {
    description: '路边堆放生活垃圾',
    location: { lat: 22.52, lng: 113.03, address: '同德路' },
    channel: { via: 'open311', client: 'fixmystreet' },
    contact: { email: 'citizen@example.org', phone: '13800000000' },
  },
};
const line = (type: HistoryEntry['type'], at: string, data: Record<string, unknown> = {}): HistoryEntry => ({
  version: 2,
  type,
  at,
  actor: { id: 'dispatcher-01', role: 'dispatcher' },
  commandId: null,
  data,
});

describe('answers have the structure of the GeoReport v2 examples', () => {
  it('GET services: the catalog, each service with the fields of the spec, in XML and JSON', () => {
    const services = serviceList(catalog);
    expect(services.map((s) => s.service_code)).toEqual(catalog.allCategories().map((c) => c.code));
    expect(shapeOf(xmlDocument('services', services as unknown as XmlValue))).toEqual(shapeOf(specXml('services.xml')));
    expect(jsonShape(JSON.parse(JSON.stringify(services)))).toEqual(jsonShape(specJson('services.json')));
    expect(services.find((s) => s.service_code === 'gang_crime_lead')?.description).toMatch(/confidential/);
    expect(services[0]).toMatchObject({
      service_code: 'exposed_rubbish',
      service_name: '暴露垃圾',
      metadata: false,
      type: 'realtime',
      group: '环境卫生所',
    });
  });

  it('GET a service definition: urgency as its one attribute, with its values', () => {
    const definition = serviceDefinition(catalog, 'exposed_rubbish')!;
    expect(shapeOf(xmlDocument('service_definition', definition))).toEqual(shapeOf(specXml('service-definition.xml')));
    expect(jsonShape(definition)).toEqual(jsonShape(specJson('service-definition.json')));
    expect(definition.attributes[0]!.values.map((v) => v.key)).toEqual(['normal', 'urgent', 'very_urgent']);
    expect(serviceDefinition(catalog, 'potholes')).toBeUndefined();
  });

  it('POST a request: its answer', () => {
    const created = [{ service_request_id: view().incidentId, service_notice: SERVICE_NOTICE, account_id: null }];
    expect(shapeOf(xmlDocument('service_requests', created))).toEqual(shapeOf(specXml('post-response.xml')));
    expect(jsonShape(created)).toEqual(jsonShape(specJson('post-response.json')));
  });

  it('GET requests and one request: every field of the spec, in its order', () => {
    const request = serviceRequestOf(view(), reportLine, [reportLine], catalog);
    const answer = [request] as unknown as XmlValue;
    expect(shapeOf(xmlDocument('service_requests', answer))).toEqual(shapeOf(specXml('requests.xml')));
    expect(shapeOf(xmlDocument('service_requests', answer))).toEqual(shapeOf(specXml('request.xml')));
    expect(Object.keys(request)).toEqual(Object.keys((specJson('request.json') as object[])[0]!));
    expect(jsonShape(JSON.parse(JSON.stringify([request, request])))).toEqual(jsonShape(specJson('requests.json')));
  });

  it('errors: [{code, description}], <errors><error>', () => {
    const errors = [{ code: 403, description: "api_key: invalid -- can't proceed with create_request" }];
    expect(shapeOf(xmlDocument('errors', errors))).toEqual(shapeOf(specXml('errors.xml')));
    expect(jsonShape(errors)).toEqual(jsonShape(specJson('errors.json')));
  });
});

describe('XML', () => {
  it('escapes markup and drops what XML cannot hold; null is an empty element', () => {
    const xml = xmlDocument('errors', [
      { code: 400, description: '<b>"A&B"</b> \u0001it\'s' },
      { code: 400, description: null },
    ]);
    expect(XMLValidator.validate(xml)).toBe(true);
    expect(xml).toContain(`<description>&lt;b&gt;"A&amp;B"&lt;/b&gt; it's</description>`);
    expect(xml).toContain('<description/>');
    expect(xml.startsWith('<?xml version="1.0" encoding="utf-8"?>\n<errors>')).toBe(true);
  });
});

describe('a citizen request becomes a report', () => {
  it("reads the spec's example form: fields, contact apart, attributes named", () => {
    const body = fixture('post-request.http').split('\n\n')[1]!.trim();
    const { fields, problems } = requestFields(parseForm(body));
    expect(problems).toEqual([]);
    const { api_key: apiKey, ...rest } = fields;
    expect(apiKey).toBe('xyz');
    const parsed = Open311RequestFields.parse(rest);
    expect(parsed).toMatchObject({ service_code: '001', lat: 37.76524078, long: -122.4212043, address_string: '1234 5th street' });
    expect(parsed.attributes).toEqual({ WHISPAWN: '123456', WHISDORN: 'COISL001' });
    expect(contactOf(parsed)).toEqual({
      email: 'smit333@sfgov.edu',
      phone: '111111111',
      firstName: 'john',
      lastName: 'smith',
      deviceId: 'tt222111',
      accountId: '123456',
    });
    // This jurisdiction's one attribute is urgency: others are refused, named.
    expect(urgencyOf(parsed.attributes)).toEqual({ problem: 'attribute[WHISPAWN]: no such attribute (the one attribute is urgency)' });
  });

  it('urgency: normal unless given; a value outside the three refused', () => {
    expect(urgencyOf({})).toEqual({ urgency: 'normal' });
    expect(urgencyOf({ urgency: 'urgent' })).toEqual({ urgency: 'urgent' });
    expect(urgencyOf({ urgency: 'now' })).toEqual({ problem: 'attribute[urgency]: one of normal, urgent, very_urgent, not now' });
  });

  it('an empty field is one not sent; a repeated key or a list attribute is refused', () => {
    expect(Open311RequestFields.parse(requestFields({ service_code: 'dispute', email: '', lat: '' }).fields)).toEqual({
      service_code: 'dispute',
      attributes: {},
    });
    expect(requestFields(parseForm('service_code=a&service_code=b')).problems).toEqual(['service_code: given more than once']);
    expect(requestFields(parseForm('attribute[urgency][]=urgent')).problems).toEqual([
      'attribute[urgency][]: a single value only (no attribute takes a list)',
    ]);
    expect(requestFields({ attribute: { urgency: 'urgent' } }).fields['attributes']).toEqual({ urgency: 'urgent' });
    expect(Open311RequestFields.safeParse({ email: 'not-an-address', attributes: {} }).success).toBe(false);
  });

  it("the body's schema: a form or JSON read into the fields; a repeat, a list attribute or an unknown key refused, named", () => {
    const issues = (body: unknown) => {
      const parsed = Open311RequestBody.safeParse(body);
      return parsed.success ? [] : parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
    };
    expect(Open311RequestBody.parse(parseForm('service_code=dispute&lat=22.5&long=113&attribute%5Burgency%5D=urgent&email='))).toEqual({
      service_code: 'dispute',
      lat: 22.5,
      long: 113,
      attributes: { urgency: 'urgent' },
    });
    expect(
      Open311RequestBody.parse({ service_code: 'dispute', lat: 22.5, long: '113', attribute: { urgency: 'normal' }, phone: null }),
    ).toEqual({
      service_code: 'dispute',
      lat: 22.5,
      long: 113,
      attributes: { urgency: 'normal' },
    });
    expect(Open311RequestBody.parse(undefined)).toEqual({ attributes: {} });
    expect(issues(parseForm('service_code=a&service_code=b&email=x'))).toEqual(['service_code: given more than once']);
    expect(issues(parseForm('attribute[urgency][]=urgent'))).toEqual([
      'attribute[urgency][]: a single value only (no attribute takes a list)',
    ]);
    expect(issues({ lat: true })).toEqual([expect.stringMatching(/^lat: /)]);
    expect(issues({ email: 'not-an-address' })).toEqual(['email: Invalid email address']);
    expect(issues({ colour: 'red' })).toEqual([': Unrecognized key: "colour"']);
    // An attribute other than urgency is read, and refused by name later (urgencyOf), as the spec's example shows.
    expect(Open311RequestBody.parse(parseForm('attribute[WHISPAWN]=1')).attributes).toEqual({ WHISPAWN: '1' });
  });

  it('the report: the citizen text and media link, the position, the channel, the contact; the service name when no text', () => {
    const fields = Open311RequestFields.parse({
      service_code: 'exposed_rubbish',
      lat: '22.52',
      long: '113.03',
      address_string: '同德路',
      email: 'citizen@example.org',
      media_url: 'https://example.org/p.jpg',
      description: '路边堆放生活垃圾',
      attributes: {},
    });
    const now = new Date('2026-11-30T08:00:00Z');
    const options = {
      reportId: 'o311-x1234567',
      gridCode: GRID,
      serviceName: '暴露垃圾',
      urgency: 'urgent' as const,
      client: 'fixmystreet',
      now,
    };
    const data = reportDataOf({ ...fields, lat: fields.lat!, long: fields.long!, service_code: fields.service_code! }, options);
    expect(data).toEqual({
      reportId: 'o311-x1234567',
      gridCode: GRID,
      category: 'exposed_rubbish',
      urgency: 'urgent',
      description: '路边堆放生活垃圾\nhttps://example.org/p.jpg',
      location: { lat: 22.52, lng: 113.03, address: '同德路' },
      occurredAt: '2026-11-30T08:00:00.000Z',
      channel: { via: 'open311', client: 'fixmystreet' },
      contact: { email: 'citizen@example.org' },
    });
    const bare = reportDataOf({ attributes: {}, lat: 22.5, long: 113, service_code: 'exposed_rubbish' }, options);
    expect(bare.description).toBe('暴露垃圾');
    expect(bare).not.toHaveProperty('contact');
  });

  it('the grid: the one holding the position; address_id a grid, or the grid under the area holding it; outside every grid refused', () => {
    const locator = GridLocator.ofGrids(areas);
    const inside = (code: string): { lat: number; lng: number } => {
      const ring = (areas.get(code).boundary as { coordinates: number[][][] }).coordinates[0]!.slice(0, -1);
      return { lng: ring.reduce((s, p) => s + p[0]!, 0) / ring.length, lat: ring.reduce((s, p) => s + p[1]!, 0) / ring.length };
    };
    const second = inside('440705001001002');
    expect(locateGrid(areas, locator, second)).toEqual({ gridCode: '440705001001002' });
    expect(locateGrid(areas, locator, { ...inside(GRID), addressId: '440705001001002' })).toEqual({ gridCode: '440705001001002' });
    expect(locateGrid(areas, locator, { ...second, addressId: '440705001' })).toEqual({ gridCode: '440705001001002' });
    // Named an area the position is not in: its first grid, as before boundaries.
    expect(locateGrid(areas, locator, { lat: 0, lng: 0, addressId: '440705001' })).toEqual({ gridCode: GRID });
    expect(locateGrid(areas, locator, { lat: 0, lng: 0 })).toEqual({
      problem: 'lat and long: 0, 0 lies in no grid of this jurisdiction (name the area in address_id if the position is unknown)',
    });
    expect(locateGrid(areas, locator, { ...second, addressId: '440799000000000' })).toEqual({
      problem: 'address_id: 440799000000000 is not an area of this jurisdiction',
    });
  });
});

describe('a case as a service request', () => {
  const rejected = line('IncidentRejected', '2026-11-30T09:00:00.000Z', { reason: '重复上报' });
  it.each([
    [view(), [reportLine], 'open', '待受理: waiting for a dispatcher'],
    [view({ status: 'dispatched', department: 'sanitation' }), [reportLine], 'open', '已受理: accepted and sent to 环境卫生所'],
    [view({ status: 'accepted', department: 'sanitation' }), [reportLine], 'open', '处置中: 环境卫生所 is handling it'],
    [view({ status: 'resolved', department: 'sanitation' }), [reportLine], 'open', '已处置: handled, being checked on site (核查)'],
    [view({ status: 'returned' }), [reportLine], 'open', '待重新派遣: accepted, being sent to the right department'],
    [view({ status: 'accepted', suspended: true }), [reportLine], 'open', '挂账: accepted, handling paused for now'],
    [view({ status: 'closed', department: 'sanitation' }), [reportLine], 'closed', '已结案: handled and checked on site'],
    [view({ status: 'rejected' }), [reportLine, rejected], 'closed', '不予立案: 重复上报'],
  ] as const)('%#: status and notes from the state', (v, lines, status, notes) => {
    expect(serviceRequestOf(v, reportLine, lines, catalog)).toMatchObject({ status, status_notes: notes });
  });

  it('shows what was reported, where and when, and nothing of who', () => {
    const closedAt = '2026-11-30T12:00:00.000Z';
    const request = serviceRequestOf(
      view({ status: 'closed', department: 'sanitation' }),
      reportLine,
      [reportLine, line('IncidentClosed', closedAt)],
      catalog,
    );
    expect(request).toEqual({
      service_request_id: view().incidentId,
      status: 'closed',
      status_notes: '已结案: handled and checked on site',
      service_name: '暴露垃圾',
      service_code: 'exposed_rubbish',
      description: '路边堆放生活垃圾',
      agency_responsible: '环境卫生所',
      service_notice: null,
      requested_datetime: '2026-11-30T08:00:00.000Z',
      updated_datetime: closedAt,
      expected_datetime: null,
      address: '同德路',
      address_id: GRID,
      zipcode: null,
      lat: 22.52,
      long: 113.03,
      media_url: null,
    });
    expect(JSON.stringify(request)).not.toMatch(/citizen@example\.org|13800000000|open311:fixmystreet/);
  });

  it('only a case reported through the Open311 door is one', () => {
    expect(reportLineOf([reportLine])).toBe(reportLine);
    expect(reportLineOf([{ ...reportLine, data: { description: 'x' } }])).toBeUndefined();
  });
});

describe('client apps', () => {
  it('an api_key is known by its SHA-256 only', () => {
    const clients = new Open311Clients([{ id: 'fixmystreet', name: 'FixMyStreet', keySha256: sha256Hex('k-123'), requestsPerMinute: 5 }]);
    expect(clients.byKey('k-123')?.id).toBe('fixmystreet');
    expect(clients.byKey('k-124')).toBeUndefined();
    expect(clients.byKey('')).toBeUndefined();
  });
});
