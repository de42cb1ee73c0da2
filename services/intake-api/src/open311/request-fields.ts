import { AreaCode, FreeText, Urgency, type CitizenContact, type ReportIncident } from '@gridgov/contracts';
import { z } from 'zod';
import { URGENCY_ATTRIBUTE } from './services.ts';

/**
 * GeoReport v2's "optional" rule: a parameter sent empty is one not sent. Every field of a request goes through this
 * first (a form sends `address_id=` for a field left blank).
 */
const absentIfEmpty = <S extends z.ZodType>(schema: S) => z.preprocess((v) => (v === '' || v === null ? undefined : v), schema.optional());

const text = (max: number) => absentIfEmpty(FreeText(max, { min: 1, trim: true }));

/** The fields of POST requests.{format}, once a form's or JSON body's keys are read (see `requestFields`). */
export const Open311RequestFields = z
  .object({
    api_key: absentIfEmpty(z.string().max(200)),
    /** One jurisdiction is served here: the parameter is accepted and not needed (the spec allows it to be ignored). */
    jurisdiction_id: text(200),
    service_code: absentIfEmpty(z.string().max(64)),
    lat: absentIfEmpty(z.coerce.number().min(-90).max(90)),
    long: absentIfEmpty(z.coerce.number().min(-180).max(180)),
    address_string: text(200),
    /** A grid's or an area's code of this jurisdiction's area tree (15 digits for a grid). */
    address_id: absentIfEmpty(AreaCode),
    email: absentIfEmpty(z.email().max(254)),
    device_id: text(200),
    account_id: text(200),
    first_name: text(100),
    last_name: text(100),
    phone: absentIfEmpty(z.string().regex(/^\+?[0-9][0-9 ()-]{2,38}$/, 'digits, spaces, ( ) - and a leading +')),
    /** The domain keeps 2,000 characters of a description (the spec allows 4,000; more is refused, not cut). */
    description: text(2000),
    media_url: absentIfEmpty(z.url({ protocol: /^https?$/ }).max(1000)),
    attributes: z.record(z.string(), z.string()).default({}),
  })
  .strict();
export type Open311RequestFields = z.infer<typeof Open311RequestFields>;

/** One field of a body: a form may repeat a key, which is refused; JSON may give numbers. */
type RawBody = Record<string, unknown>;

/** What is wrong with the shape of a body: a repeated key (a form), or an attribute given as a list. */
function shapeProblems(body: RawBody): { field: string; message: string }[] {
  const problems: { field: string; message: string }[] = [];
  for (const [key, value] of Object.entries(body)) {
    const attribute = /^attribute\[([^\]]+)\](\[\])?$/.exec(key);
    if (attribute && (attribute[2] !== undefined || Array.isArray(value))) {
      problems.push({ field: key, message: 'a single value only (no attribute takes a list)' });
    } else if (!attribute && Array.isArray(value)) {
      problems.push({ field: key, message: 'given more than once' });
    }
  }
  return problems;
}

/**
 * The fields of a form-encoded or JSON body: `attribute[code]=value` (form) or `"attribute": {code: value}` (JSON) read
 * into `attributes`. A multi-valued attribute (`attribute[code][]`) or a repeated key is a problem, named.
 */
export function requestFields(body: RawBody): { fields: Record<string, unknown>; problems: string[] } {
  const fields: Record<string, unknown> = {};
  const attributes: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(body)) {
    const attribute = /^attribute\[([^\]]+)\](\[\])?$/.exec(key);
    if (attribute) {
      if (attribute[2] === undefined && !Array.isArray(value)) attributes[attribute[1]!] = value;
    } else if (key === 'attribute' && value !== null && typeof value === 'object' && !Array.isArray(value)) {
      Object.assign(attributes, value);
    } else if (!Array.isArray(value)) {
      fields[key] = value;
    }
  }
  const problems = shapeProblems(body).map((p) => `${p.field}: ${p.message}`);
  return { fields: { ...fields, attributes }, problems };
}

const wireText = (description: string) => z.string().nullish().describe(description);

/**
 * The body of POST requests.{format} as an app sends it: form-encoded (every value a string, `attribute[urgency]=…`)
 * or JSON (`lat` and `long` may be numbers, `"attribute": {"urgency": …}`). A field sent empty (or null) is one not
 * sent. Other keys are refused by name, except `attribute[<code>]`, refused as no such attribute.
 */
export const Open311RequestWire = z.looseObject({
  api_key: wireText("The client app's key (OPEN311_CLIENTS_FILE; 403 when missing or unknown); also read from the query string"),
  jurisdiction_id: wireText('Accepted and not needed: one jurisdiction is served'),
  service_code: wireText('Required: a service_code of GET services.json (404 when it is not one)'),
  lat: z.union([z.number(), z.string()]).nullish().describe('Required: latitude, WGS84 decimal degrees'),
  long: z.union([z.number(), z.string()]).nullish().describe('Required: longitude, WGS84 decimal degrees'),
  address_string: wireText("The location's address, at most 200 characters"),
  address_id: wireText('An area code of the tree: a grid puts the case in that grid, a town or community in its first grid'),
  email: wireText("The citizen's email (personal data: sealed, never answered or logged)"),
  device_id: wireText("The citizen's device id (personal data)"),
  account_id: wireText("The citizen's account id (personal data)"),
  first_name: wireText("The citizen's first name (personal data)"),
  last_name: wireText("The citizen's last name (personal data)"),
  phone: wireText("The citizen's phone: digits, spaces, ( ) - and a leading + (personal data)"),
  description: wireText("What the citizen saw, at most 2,000 characters; the service's name when none"),
  media_url: wireText('An http(s) link, kept after the description'),
  'attribute[urgency]': wireText(`Form bodies: ${Urgency.options.join(', ')}; normal when not given`),
  attribute: z
    .record(z.string(), z.string())
    .optional()
    .describe('JSON bodies: the attributes as an object, {"urgency": "urgent"}; urgency is the one attribute'),
});

/**
 * POST requests.{format}'s body schema: the body as sent (documented as `Open311RequestWire`), read into the fields.
 * An absent body is an empty one; a repeated key or a list attribute is refused, named, before anything else.
 */
export const Open311RequestBody = z
  .preprocess((raw, ctx) => {
    const body = raw ?? {};
    if (typeof body === 'object' && !Array.isArray(body)) {
      for (const { field, message } of shapeProblems(body as RawBody)) ctx.addIssue({ code: 'custom', message, path: [field] });
    }
    return body;
  }, Open311RequestWire)
  .transform((wire) => requestFields(wire).fields)
  .pipe(Open311RequestFields);

/** The citizen's contact details among the fields (personal data: sealed on the log, never answered, never logged). */
export function contactOf(fields: Open311RequestFields): CitizenContact {
  const contact = {
    email: fields.email,
    phone: fields.phone,
    firstName: fields.first_name,
    lastName: fields.last_name,
    deviceId: fields.device_id,
    accountId: fields.account_id,
  };
  return Object.fromEntries(Object.entries(contact).filter(([, v]) => v !== undefined));
}

/** The urgency among the attributes (normal when none is given), or the problem with the attributes. */
export function urgencyOf(attributes: Readonly<Record<string, string>>): { urgency: Urgency } | { problem: string } {
  const unknown = Object.keys(attributes).find((code) => code !== URGENCY_ATTRIBUTE);
  if (unknown !== undefined) return { problem: `attribute[${unknown}]: no such attribute (the one attribute is ${URGENCY_ATTRIBUTE})` };
  const given = attributes[URGENCY_ATTRIBUTE];
  if (given === undefined || given === '') return { urgency: 'normal' };
  const parsed = Urgency.safeParse(given);
  return parsed.success
    ? { urgency: parsed.data }
    : { problem: `attribute[${URGENCY_ATTRIBUTE}]: one of ${Urgency.options.join(', ')}, not ${given}` };
}

/**
 * The report a citizen's request becomes: the citizen's text (the service's name when they wrote none) with the link
 * to their media after it, at their position, in the grid found for it, now.
 */
export function reportDataOf(
  fields: Open311RequestFields & { lat: number; long: number; service_code: string },
  options: {
    readonly reportId: string;
    readonly gridCode: string;
    readonly serviceName: string;
    readonly urgency: Urgency;
    readonly client: string;
    readonly now: Date;
  },
): ReportIncident['data'] {
  const said = fields.description ?? options.serviceName;
  const contact = contactOf(fields);
  return {
    reportId: options.reportId,
    gridCode: options.gridCode,
    category: fields.service_code,
    urgency: options.urgency,
    description: fields.media_url ? `${said}\n${fields.media_url}` : said,
    location: { lat: fields.lat, lng: fields.long, ...(fields.address_string ? { address: fields.address_string } : {}) },
    occurredAt: options.now.toISOString(),
    channel: { via: 'open311', client: options.client },
    ...(Object.keys(contact).length > 0 ? { contact } : {}),
  };
}
