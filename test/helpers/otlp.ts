// A real tracelens server on a free port, and real OpenTelemetry SDK tracer
// providers that export to it over OTLP/HTTP (protobuf or JSON, gzip or not).
import type { FastifyInstance } from 'fastify';
import { OTLPTraceExporter as ProtoExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { OTLPTraceExporter as JsonExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor, type SpanExporter } from '@opentelemetry/sdk-trace-base';
import type { Driver } from '../../src/storage/driver.js';
import { bearer, buildTestApp } from './app.js';
import { freePort } from './free-port.js';

export interface OtlpServer {
  app: FastifyInstance;
  base: string;
  close(): Promise<void>;
}

export async function startOtlpServer(driver: Driver, env: Record<string, string> = {}): Promise<OtlpServer> {
  const app = await buildTestApp(driver, env);
  const port = await freePort();
  await app.listen({ host: '127.0.0.1', port });
  return { app, base: `http://127.0.0.1:${port}`, close: () => app.close() };
}

export type Wire = 'protobuf' | 'json';

export function otlpExporter(url: string, headers: Record<string, string>, wire: Wire, gzip: boolean): SpanExporter {
  const opts = { url, headers, compression: gzip ? ('gzip' as never) : ('none' as never) };
  return wire === 'protobuf' ? new ProtoExporter(opts) : new JsonExporter(opts);
}

export interface SdkPipeline {
  provider: BasicTracerProvider;
  /** What the SDK handed to the exporter, to compare with what was stored. */
  memory: InMemorySpanExporter;
  shutdown(): Promise<void>;
}

/** A tracer provider exporting every span at once, both to tracelens and to memory. */
export function sdkPipeline(exporter: SpanExporter, resource: Record<string, string>): SdkPipeline {
  const memory = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes(resource),
    spanProcessors: [new SimpleSpanProcessor(exporter), new SimpleSpanProcessor(memory)],
  });
  return { provider, memory, shutdown: () => provider.shutdown() };
}

export async function developerToken(projects: string[]): Promise<Record<string, string>> {
  return bearer({ role: 'developer', projects });
}

/** Every stored span of a trace, through the search API. */
export async function searchTrace(server: OtlpServer, headers: Record<string, string>, traceId: string): Promise<Record<string, unknown>[]> {
  const res = await server.app.inject({
    method: 'POST',
    url: '/api/v1/traces/search',
    headers,
    payload: { filter: { field: 'trace_id', operator: 'eq', value: traceId }, from: 'now-30d', sort_by: 'ts', sort_desc: false, limit: 1000 },
  });
  if (res.statusCode !== 200) throw new Error(`search failed: ${res.statusCode} ${res.body}`);
  return res.json<{ data: Record<string, unknown>[] }>().data;
}
