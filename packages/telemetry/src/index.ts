// Metrics (prom-client) and trace context (W3C traceparent via the OpenTelemetry API) of every service (ADR 0026).
export * from './metrics.ts';
export * from './observers.ts';
export * from './trace.ts';
export * from './scrape.ts';
