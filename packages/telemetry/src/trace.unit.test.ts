import { describe, expect, it } from 'vitest';
import { startSpan, traceFieldsOf, traceIdOf, TRACEPARENT } from './trace.ts';

const CALLER = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
const W3C = /^00-[0-9a-f]{32}-[0-9a-f]{16}-0[01]$/;

describe('trace context (W3C traceparent)', () => {
  it("continues the caller's trace with a span of its own", () => {
    const span = startSpan('POST /v1/incidents', { traceparent: CALLER });
    expect(span.traceId).toBe('4bf92f3577b34da6a3ce929d0e0e4736');
    expect(span.spanId).toMatch(/^[0-9a-f]{16}$/);
    expect(span.spanId).not.toBe('00f067aa0ba902b7');
    // The caller's sampled flag goes on with it.
    expect(span.traceparent).toBe(`00-4bf92f3577b34da6a3ce929d0e0e4736-${span.spanId}-01`);
    expect(span.logFields).toEqual({ trace_id: span.traceId, span_id: span.spanId });
  });

  it('starts a new trace when there is no header, or a malformed one', () => {
    for (const carrier of [
      undefined,
      {},
      { traceparent: 'garbage' },
      { traceparent: '00-00000000000000000000000000000000-00f067aa0ba902b7-01' },
    ]) {
      const span = startSpan('work', carrier);
      expect(span.traceparent).toMatch(W3C);
      expect(span.traceId).not.toBe('00000000000000000000000000000000');
    }
    expect(startSpan('a').traceId).not.toBe(startSpan('b').traceId);
  });

  it('gives every new trace and span ids of their own, past many refills of the random pool', () => {
    const spans = Array.from({ length: 2_000 }, () => startSpan('work'));
    expect(new Set(spans.map((s) => s.traceId)).size).toBe(spans.length);
    expect(new Set(spans.map((s) => s.spanId)).size).toBe(spans.length);
    for (const s of spans) expect(s.traceparent).toMatch(W3C);
  });

  it('reads the header whatever its case, and passes tracestate on', () => {
    const span = startSpan('work', { Traceparent: CALLER, tracestate: 'congo=t61rcWkgMzE' });
    expect(span.traceId).toBe('4bf92f3577b34da6a3ce929d0e0e4736');
    expect(span.headers()).toEqual({ traceparent: span.traceparent, tracestate: 'congo=t61rcWkgMzE' });
  });

  it('keeps one trace id from the HTTP request through the command and the events it causes', () => {
    const http = startSpan('POST /v1/incidents', { traceparent: CALLER });
    // The intake puts the request's span on the command record; the worker continues it for what it decides.
    const commandHeaders = http.headers();
    const decide = startSpan('decide ReportIncident', commandHeaders);
    const eventHeaders = { 'gridgov-signature': 'x', [TRACEPARENT]: decide.traceparent };
    // The projection and the notifier read it off the event and notification records for their log lines.
    expect(traceFieldsOf(eventHeaders)).toEqual({ trace_id: http.traceId, parent_span_id: decide.spanId });
    expect(decide.traceId).toBe(http.traceId);
    expect(traceIdOf(decide.traceparent)).toBe('4bf92f3577b34da6a3ce929d0e0e4736');
  });

  it('names no trace for records without one, or with an invalid one', () => {
    expect(traceFieldsOf(undefined)).toEqual({});
    expect(traceFieldsOf({})).toEqual({});
    expect(traceFieldsOf({ traceparent: 'ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01' })).toEqual({});
    expect(traceFieldsOf({ traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01' })).toEqual({});
    expect(traceIdOf('00-xyz')).toBeUndefined();
  });
});
