import { randomFillSync } from 'node:crypto';
import {
  context as otelContext,
  defaultTextMapGetter,
  defaultTextMapSetter,
  isSpanContextValid,
  ROOT_CONTEXT,
  SpanKind,
  trace,
  TraceFlags,
  type Context,
  type Span,
  type SpanContext,
} from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';

/** The W3C Trace Context header (https://www.w3.org/TR/trace-context/), over HTTP and in Kafka record headers. */
export const TRACEPARENT = 'traceparent';
/** Vendor data that travels beside it, passed on untouched. */
export const TRACESTATE = 'tracestate';

const propagator = new W3CTraceContextPropagator();
const tracer = () => trace.getTracer('gridgov');

/** Where a trace header is read from: HTTP request headers or a Kafka record's headers. */
export type TraceCarrier = Readonly<Record<string, string | readonly string[] | undefined>>;

/** One unit of work within a trace (an HTTP request, a command decided, a record applied). */
export interface TraceSpan {
  /** 32 lowercase hex digits: the same from the HTTP request through every record it caused. */
  readonly traceId: string;
  /** 16 lowercase hex digits: this unit of work. */
  readonly spanId: string;
  /** The W3C header naming this span as the parent of what it causes (carried on in Kafka headers). */
  readonly traceparent: string;
  /** Its tracestate, when the caller sent one. */
  readonly tracestate?: string;
  /** The OpenTelemetry context with this span active, for an SDK's instrumentation (none is installed by default). */
  readonly context: Context;
  /** Fields for a log line: trace_id and span_id, as OpenTelemetry's log correlation names them. */
  readonly logFields: { readonly trace_id: string; readonly span_id: string };
  /** The headers to put on a record this work produces. */
  headers(): Record<string, string>;
  /** Ends the span (recorded only when an OpenTelemetry SDK is registered). */
  end(): void;
}

/**
 * Random ids from a pool filled 4 KiB at a time: one call into the kernel's generator per ~170 spans rather than two
 * per span (a span id and, for a new trace, a trace id) on every request.
 */
const pool = Buffer.alloc(4096);
let used = pool.length;
function hex(bytes: number): string {
  if (used + bytes > pool.length) {
    randomFillSync(pool);
    used = 0;
  }
  used += bytes;
  return pool.toString('hex', used - bytes, used);
}

/**
 * Continues the trace a carrier names (a valid `traceparent`), or starts a new one when it names none or a malformed
 * one (a bad header is ignored, as the W3C recommendation says: never a refusal). With an OpenTelemetry SDK registered
 * its tracer makes and records the span; without one (the default: the exporter is optional) the ids are made here.
 */
export function startSpan(name: string, carrier?: TraceCarrier, kind: SpanKind = SpanKind.INTERNAL): TraceSpan {
  const parent = carrier ? propagator.extract(ROOT_CONTEXT, carrier, carrierGetter) : ROOT_CONTEXT;
  const parentSpan = trace.getSpanContext(parent);
  let span: Span = tracer().startSpan(name, { kind }, parent);
  if (!span.isRecording()) {
    // No SDK: the API's no-op span repeats its parent's ids (or none). A span of our own, with a fresh span id.
    const own: SpanContext = {
      traceId: parentSpan && isSpanContextValid(parentSpan) ? parentSpan.traceId : hex(16),
      spanId: hex(8),
      traceFlags: parentSpan?.traceFlags ?? TraceFlags.NONE,
      ...(parentSpan?.traceState ? { traceState: parentSpan.traceState } : {}),
    };
    span = trace.wrapSpanContext(own);
  }
  const spanContext = span.spanContext();
  const active = trace.setSpan(parent, span);
  const out: Record<string, string> = {};
  propagator.inject(active, out, defaultTextMapSetter);
  const traceparent = out[TRACEPARENT]!;
  const tracestate = out[TRACESTATE];
  return {
    traceId: spanContext.traceId,
    spanId: spanContext.spanId,
    traceparent,
    ...(tracestate ? { tracestate } : {}),
    context: active,
    logFields: { trace_id: spanContext.traceId, span_id: spanContext.spanId },
    headers() {
      return { ...out };
    },
    end() {
      span.end();
    },
  };
}

/** Runs `work` with the span active in the OpenTelemetry context (for an SDK's auto-instrumentation). */
export function withSpan<T>(span: TraceSpan, work: () => T): T {
  return otelContext.with(span.context, work);
}

/** Reads a header case-insensitively; a repeated one by its first value. */
const carrierGetter = {
  keys: (carrier: TraceCarrier) => Object.keys(carrier),
  get: (carrier: TraceCarrier, key: string): string | undefined => {
    const name = key in carrier ? key : Object.keys(carrier).find((k) => k.toLowerCase() === key);
    const value = name === undefined ? undefined : carrier[name];
    return Array.isArray(value) ? (value as readonly string[])[0] : (value as string | undefined);
  },
};

/** The trace id in a traceparent header, or undefined when it is not a valid one. */
export function traceIdOf(traceparent: string | undefined): string | undefined {
  if (!traceparent) return undefined;
  const sc = trace.getSpanContext(propagator.extract(ROOT_CONTEXT, { [TRACEPARENT]: traceparent }, defaultTextMapGetter));
  return sc && isSpanContextValid(sc) ? sc.traceId : undefined;
}

export { SpanKind };

const TRACEPARENT_SHAPE = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-[0-9a-f]{2}(-|$)/;

/**
 * The log fields of the trace a record's headers carry, `{ trace_id }` (and the producer's span as `parent_span_id`),
 * or none: cheap enough for every record of a batch, for the lines a consumer writes about it.
 */
export function traceFieldsOf(headers: Readonly<Record<string, string>> | undefined): { trace_id?: string; parent_span_id?: string } {
  const match = TRACEPARENT_SHAPE.exec(headers?.[TRACEPARENT] ?? '');
  if (!match || match[1] === 'ff' || /^0+$/.test(match[2]!) || /^0+$/.test(match[3]!)) return {};
  return { trace_id: match[2]!, parent_span_id: match[3]! };
}
