// Export jobs: create (202), list, status, cancel, download. The routes parse
// and serialize; src/export/jobs.ts decides visibility, state and files.
import type { FastifyInstance } from 'fastify';
import { isAppError } from '../../errors.js';
import type { JobExportBody } from '../../export/export-request.js';
import type { FileStore } from '../../export/file-store.js';
import { COMPRESSIONS, JOB_FORMATS } from '../../export/formats.js';
import { cancel, createJob, findJob, JOB_ID_PATTERN, jobView, openDownload, pageJobs } from '../../export/jobs.js';
import type { ExportWorker } from '../../export/worker.js';
import { envelopeSchema, PAGINATION_REF, success } from '../envelope.js';
import { errorResponses, PROTECTED_ROUTE_ERRORS, SEARCH_REQUEST_ERRORS } from '../error-responses.js';
import { searchQueryProperties } from './search.js';

export interface ExportJobRoutesOptions {
  files: FileStore;
  worker: ExportWorker;
}

const jobSchema = {
  type: 'object',
  properties: {
    job_id: { type: 'string' },
    status: { type: 'string' },
    format: { type: 'string' },
    compression: { type: 'string' },
    limit: { type: ['integer', 'null'] },
    rows: { type: 'integer' },
    bytes: { type: 'integer' },
    attempts: { type: 'integer' },
    created_at: { type: 'string' },
    started_at: { type: ['string', 'null'] },
    completed_at: { type: ['string', 'null'] },
    expires_at: { type: ['string', 'null'] },
    error: { type: ['string', 'null'] },
    status_url: { type: 'string' },
    download_url: { type: ['string', 'null'] },
  },
} as const;

const envelopeOf = (data: unknown) => envelopeSchema(data, { pagination: PAGINATION_REF });

const idParams = {
  type: 'object',
  required: ['job_id'],
  properties: { job_id: { type: 'string', pattern: JOB_ID_PATTERN } },
} as const;

const common = { tags: ['export'], security: [{ bearerAuth: [] }] };

export default async function exportJobRoutes(app: FastifyInstance, opts: ExportJobRoutesOptions) {
  app.post<{ Body: JobExportBody }>(
    '/export/traces',
    {
      schema: {
        ...common,
        summary: 'Start an export job (csv, json or jsonl; gzip optional); answers 202 with the job and its status URL',
        body: {
          type: 'object',
          required: ['format'],
          additionalProperties: false,
          properties: {
            ...searchQueryProperties,
            format: { type: 'string', enum: [...JOB_FORMATS] },
            compression: { type: 'string', enum: [...COMPRESSIONS] },
            limit: { type: 'integer', minimum: 1, maximum: 1_000_000_000 },
          },
        },
        response: { 202: envelopeOf(jobSchema), ...errorResponses([...PROTECTED_ROUTE_ERRORS, ...SEARCH_REQUEST_ERRORS]) },
      },
    },
    async (request, reply) => {
      const job = await createJob(app.driver, request.principal!, request.body);
      // A free slot here starts it without waiting for the next poll.
      void opts.worker.tick();
      const view = jobView(job);
      return reply.code(202).header('location', view.status_url).send(success(request, view));
    },
  );

  app.get<{ Querystring: { limit?: string; cursor?: string } }>(
    '/export/jobs',
    {
      schema: {
        ...common,
        summary: "The caller's export jobs, newest first, keyset-paginated",
        querystring: {
          type: 'object',
          additionalProperties: false,
          // Query parameters arrive as text (no type coercion in this API): the limit is checked by its pattern.
          properties: { limit: { type: 'string', pattern: '^(100|[1-9][0-9]?)$' }, cursor: { type: 'string', minLength: 1, maxLength: 256 } },
        },
        response: { 200: envelopeOf({ type: 'array', items: jobSchema }), ...errorResponses([...PROTECTED_ROUTE_ERRORS, 'INVALID_CURSOR']) },
      },
    },
    async (request) => {
      const limit = request.query.limit === undefined ? 20 : Number(request.query.limit);
      const page = await pageJobs(app.driver, request.principal!, limit, request.query.cursor ?? null);
      return success(request, page.jobs.map(jobView), { pagination: { cursor: page.cursor, has_more: page.cursor !== null, limit, total: null } });
    },
  );

  app.get<{ Params: { job_id: string } }>(
    '/export/jobs/:job_id',
    {
      schema: { ...common, summary: 'Status and progress of an export job', params: idParams, response: { 200: envelopeOf(jobSchema), ...errorResponses([...PROTECTED_ROUTE_ERRORS, 'NOT_FOUND']) } },
    },
    async (request) => success(request, jobView(await findJob(app.driver, request.principal!, request.params.job_id))),
  );

  app.delete<{ Params: { job_id: string } }>(
    '/export/jobs/:job_id',
    {
      schema: {
        ...common,
        summary: 'Cancel an export job (409 when it has already finished)',
        params: idParams,
        response: errorResponses([...PROTECTED_ROUTE_ERRORS, 'NOT_FOUND', 'EXPORT_JOB_FINISHED']),
      },
    },
    async (request, reply) => {
      await cancel(app.driver, request.principal!, request.params.job_id);
      opts.worker.cancelLocal(request.params.job_id);
      return reply.code(204).send();
    },
  );

  app.get<{ Params: { job_id: string } }>(
    '/export/jobs/:job_id/download',
    {
      schema: {
        ...common,
        summary: 'The file of a completed export job; Range requests resume a download',
        params: idParams,
        response: errorResponses([...PROTECTED_ROUTE_ERRORS, 'NOT_FOUND', 'EXPORT_NOT_READY', 'EXPORT_EXPIRED', 'RANGE_NOT_SATISFIABLE']),
      },
    },
    async (request, reply) => {
      const d = await openDownload(app.driver, opts.files, request.principal!, request.params.job_id, request.headers.range).catch((err: unknown) => {
        if (isAppError(err) && err.code === 'RANGE_NOT_SATISFIABLE') reply.header('content-range', `bytes */${(err.details as { size: number }).size}`);
        throw err;
      });
      return reply.code(d.statusCode).headers(d.headers).send(d.body);
    },
  );
}
