import { Urgency } from '@gridgov/contracts';
import { z } from 'zod';

/**
 * What the Open311 routes answer in JSON, as GeoReport v2 writes it (snake_case, arrays at the top): the routes
 * serialise their JSON answers through these, /openapi.json documents them, and the XML answers are the same values
 * written by the Spark convention (`xml.ts`). Named in the intake's components as `Open311…`.
 */

/** One service of GET services.{format}: a category of the catalog. */
export const Open311Service = z.object({
  service_code: z.string().describe('The category code'),
  service_name: z.string(),
  description: z.string(),
  metadata: z.boolean().describe('false: the one attribute (urgency) is optional, no definition is needed to report'),
  type: z.literal('realtime').describe('The service_request_id is answered at once'),
  keywords: z.string(),
  group: z.string().describe('The department that handles it'),
});
export type Open311Service = z.infer<typeof Open311Service>;
export const Open311Services = z.array(Open311Service);

/** GET services/{code}.{format}: the service's one attribute. */
export const Open311ServiceDefinition = z.object({
  service_code: z.string(),
  attributes: z.array(
    z.object({
      variable: z.boolean(),
      code: z.string(),
      datatype: z.literal('singlevaluelist'),
      required: z.boolean(),
      datatype_description: z.string(),
      order: z.number().int(),
      description: z.string(),
      values: z.array(z.object({ key: Urgency, name: z.string() })),
    }),
  ),
});
export type Open311ServiceDefinition = z.infer<typeof Open311ServiceDefinition>;

/** One service request as GET requests.{format} and requests/{id}.{format} answer it, in the spec's field order. */
export const Open311ServiceRequest = z.object({
  service_request_id: z.string().describe('The case id'),
  status: z.enum(['open', 'closed']),
  status_notes: z
    .string()
    .describe("Where the case stands, in words (待受理, 已受理, 处置中, …, 已结案, 不予立案: the dispatcher's reason)"),
  service_name: z.string(),
  service_code: z.string(),
  description: z.string().nullable(),
  agency_responsible: z.string().nullable().describe('The department that has it'),
  service_notice: z.string().nullable(),
  requested_datetime: z.string().nullable(),
  updated_datetime: z.string().describe('Its last step'),
  expected_datetime: z.string().nullable().describe('The deadline of the stage it is in'),
  address: z.string().nullable(),
  address_id: z.string().describe('Its grid'),
  zipcode: z.null(),
  lat: z.number().nullable(),
  long: z.number().nullable(),
  media_url: z.null(),
});
export type Open311ServiceRequest = z.infer<typeof Open311ServiceRequest>;
export const Open311ServiceRequests = z.array(Open311ServiceRequest);

/** 201 of POST requests.{format}: the request's id, as a list of one. */
export const Open311Created = z.array(
  z.object({
    service_request_id: z.string().describe('The case id: GET requests/{id}.{format} tells how it goes'),
    service_notice: z.string(),
    account_id: z.null(),
  }),
);
export type Open311Created = z.infer<typeof Open311Created>;

/** Every refusal of the Open311 routes: the spec's errors (XML `<errors><error>`), code being the HTTP status. */
export const Open311Errors = z.array(
  z.object({
    code: z.number().int().describe('The HTTP status'),
    description: z.string().describe('Names the field at fault, e.g. "service_code: required …"'),
  }),
);
export type Open311Errors = z.infer<typeof Open311Errors>;

/** The Open311 answers by their names in components.schemas of the intake's document. */
export const Open311Answers = {
  Open311Services,
  Open311ServiceDefinition,
  Open311ServiceRequests,
  Open311Created,
  Open311Errors,
} as const;
