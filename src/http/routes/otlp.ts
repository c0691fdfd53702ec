// POST /v1/traces and POST /api/v1/otlp/v1/traces: OTLP/HTTP trace export
// (docs/otlp.md). Parses and answers in the request's encoding; the work is
// in src/ingest/otlp.
import type { FastifyInstance } from 'fastify';
import { authorizeIngest } from '../../auth/permissions.js';
import { appError } from '../../errors.js';
import { recordIngest } from '../../metrics/index.js';
import { decodeJson, decodeProtobuf, encodeResponse, encodeRpcStatus, encodingOf, OTLP_CONTENT_TYPES } from '../../ingest/otlp/codec.js';
import type { OtlpResourceSpans } from '../../ingest/otlp/decode.js';
import { ingestOtlp } from '../../ingest/otlp/ingest-otlp.js';
import type { PriceTable } from '../../ingest/otlp/prices.js';
import { errorResponses, PROTECTED_ROUTE_ERRORS } from '../error-responses.js';

export interface OtlpRouteOptions {
  prices: readonly PriceTable[];
}

export default async function otlpRoutes(app: FastifyInstance, opts: OtlpRouteOptions) {
  // Only the two OTLP encodings are parsed in this context; bodies are decoded
  // (after any Content-Encoding) straight into OTLP resource spans.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser(['application/x-protobuf', 'application/protobuf'], { parseAs: 'buffer' }, async (_req: unknown, body: Buffer) =>
    decodeProtobuf(body),
  );
  app.addContentTypeParser('application/json', { parseAs: 'string' }, async (_req: unknown, body: string) => decodeJson(body));

  // OTLP clients expect an error body in the encoding they sent: a
  // google.rpc.Status for protobuf (the JSON envelope stays for JSON).
  app.addHook('onSend', async (request, reply, payload) => {
    if (reply.statusCode < 400 || encodingOf(request.headers['content-type']) !== 'protobuf' || typeof payload !== 'string') return payload;
    let message = 'request failed';
    try {
      const { error } = JSON.parse(payload) as { error: { code: string; message: string } };
      message = `${error.code}: ${error.message}`;
    } catch {
      // Not the envelope: keep the generic message.
    }
    reply.type(OTLP_CONTENT_TYPES.protobuf);
    return encodeRpcStatus(reply.statusCode, message);
  });

  app.post(
    '/v1/traces',
    {
      onRequest: async (request) => {
        // Before any decompression or parsing: a token that may not write costs no decoding.
        authorizeIngest(request.principal!);
        if (encodingOf(request.headers['content-type']) === null) {
          throw appError.OTLP_UNSUPPORTED_CONTENT_TYPE(`Content-Type must be application/x-protobuf or application/json (got ${JSON.stringify((request.headers['content-type'] ?? '').slice(0, 64))})`,
          );
        }
      },
      schema: {
        tags: ['ingest'],
        summary: 'OTLP/HTTP trace export (ExportTraceServiceRequest, protobuf or JSON)',
        description:
          'Content-Type application/x-protobuf or application/json, optionally gzip/deflate. Answers ExportTraceServiceResponse in the ' +
          'request encoding: empty when every span was stored, partialSuccess {rejectedSpans, errorMessage} otherwise. ' +
          'Idempotent on (project_id, trace_id, span_id). Mapping and limits: docs/otlp.md. ' +
          'Errors are the JSON envelope for JSON requests and a google.rpc.Status with the same code for protobuf.',
        security: [{ bearerAuth: [] }],
        // Spans that cannot be stored are rejected in partialSuccess, not with an error.
        response: errorResponses([...PROTECTED_ROUTE_ERRORS, 'OTLP_INVALID_PAYLOAD', 'OTLP_UNSUPPORTED_CONTENT_TYPE', 'QUERY_TIMEOUT', 'INVALID_VALUE']),
      },
    },
    async (request, reply) => {
      const encoding = encodingOf(request.headers['content-type'])!;
      const result = await ingestOtlp(app.driver, request.principal!, request.body as OtlpResourceSpans[], {
        prices: opts.prices,
        maxBatch: app.config.maxBatchSpans,
      });
      recordIngest(result.new, result.duplicates, result.rejected);
      reply.code(200).type(OTLP_CONTENT_TYPES[encoding]);
      const partial = result.rejected > 0 ? { rejectedSpans: result.rejected, errorMessage: result.errorMessage ?? '' } : null;
      return encodeResponse(encoding, partial);
    },
  );
}
