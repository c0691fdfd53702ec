// POST /api/v1/traces/export: every row a search request matches, streamed as
// NDJSON or CSV (gzip when accepted). The route parses and labels; the export
// service reads, and a client that goes away stops the query (export-stream.ts).
import { pipeline } from 'node:stream';
import { createGzip } from 'node:zlib';
import type { FastifyInstance } from 'fastify';
import { acceptsGzip } from '../../export/accepts-gzip.js';
import { exportSearchRequest, type StreamExportBody } from '../../export/export-request.js';
import { framingOf, GZIP_OPTIONS, STREAM_FORMATS } from '../../export/formats.js';
import { ExportSlots, openExport } from '../../export/open-export.js';
import { errorResponses, PROTECTED_ROUTE_ERRORS, SEARCH_REQUEST_ERRORS } from '../error-responses.js';
import { searchQueryProperties } from './search.js';

export default async function exportRoutes(app: FastifyInstance) {
  const slots = new ExportSlots(app.config.export.maxStreams);
  app.post<{ Body: StreamExportBody }>(
    '/traces/export',
    {
      schema: {
        tags: ['export'],
        summary: 'Stream every span a search request matches, as NDJSON (default) or CSV; gzip with Accept-Encoding: gzip',
        security: [{ bearerAuth: [] }],
        body: {
          type: 'object',
          additionalProperties: false,
          properties: { ...searchQueryProperties, format: { type: 'string', enum: [...STREAM_FORMATS] } },
        },
        // Errors before the first row; a failure mid-stream ends the stream instead.
        response: errorResponses([...PROTECTED_ROUTE_ERRORS, ...SEARCH_REQUEST_ERRORS, 'EXPORT_BUSY']),
      },
    },
    async (request, reply) => {
      const body = request.body ?? {};
      const req = exportSearchRequest(body, request.principal!);
      const format = body.format ?? 'ndjson';
      const release = slots.take();
      const left = new AbortController();
      reply.raw.once('close', () => {
        release();
        if (!reply.raw.writableFinished) left.abort();
      });
      let stream;
      try {
        stream = await openExport(app.reader, app.config.export, req, { format, rowLimit: null, now: Date.now(), signal: left.signal });
      } catch (err) {
        release();
        throw err;
      }
      const framing = framingOf(format);
      reply
        .type(framing.contentType)
        .header('content-disposition', `attachment; filename="tracelens-export.${framing.extension === 'jsonl' ? 'ndjson' : framing.extension}"`)
        .header('cache-control', 'no-store')
        .header('vary', 'Accept-Encoding');
      if (!acceptsGzip(request.headers['accept-encoding'])) return reply.send(stream);
      reply.header('content-encoding', 'gzip');
      // pipeline destroys the export when the gzip stream is destroyed (the client left).
      return reply.send(pipeline(stream, createGzip(GZIP_OPTIONS), () => undefined));
    },
  );
}
