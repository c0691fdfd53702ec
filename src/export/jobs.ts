// The export job service: what the routes call. Creating a job validates the
// request exactly as search does and stores it with absolute time bounds (a
// job exports what matched when it was asked for, however long it waits).
import { randomUUID } from 'node:crypto';
import type { ReadStream } from 'node:fs';
import type { Principal } from '../auth/principal.js';
import { appError } from '../errors.js';
import type { Queryable } from '../storage/driver.js';
import { resolveBounds } from '../traces/page-sql.js';
import { parseRange } from './byte-range.js';
import { exportSearchRequest, queryPart, type JobExportBody } from './export-request.js';
import type { FileStore } from './file-store.js';
import { framingOf } from './formats.js';
import { cancelJob, getJob, insertJob, listJobs, type JobPosition, type JobRow } from './job-store.js';

const JOBS_PATH = '/api/v1/export/jobs';

export async function createJob(db: Queryable, principal: Principal, body: JobExportBody, now = Date.now()): Promise<JobRow> {
  const req = exportSearchRequest(body, principal);
  const bounds = resolveBounds(req, now);
  return insertJob(db, {
    id: randomUUID(),
    principal,
    scope: req.scope,
    request: { ...queryPart(body), from: bounds.from, to: bounds.to },
    format: body.format,
    compression: body.compression ?? 'none',
    rowLimit: body.limit ?? null,
    createdAt: new Date(now).toISOString(),
  });
}

/** The job as the API shows it. */
export function jobView(j: JobRow) {
  const iso = (d: Date | string | null) => (d === null ? null : new Date(d).toISOString());
  const statusUrl = `${JOBS_PATH}/${j.id}`;
  return {
    job_id: j.id,
    status: j.status,
    format: j.format,
    compression: j.compression,
    limit: j.row_limit === null ? null : Number(j.row_limit),
    rows: Number(j.rows),
    bytes: Number(j.bytes),
    attempts: Number(j.attempts),
    created_at: iso(j.created_at)!,
    started_at: iso(j.started_at),
    completed_at: iso(j.completed_at),
    expires_at: iso(j.expires_at),
    error: j.error,
    status_url: statusUrl,
    download_url: j.status === 'completed' ? `${statusUrl}/download` : null,
  };
}

export async function findJob(db: Queryable, principal: Principal, id: string): Promise<JobRow> {
  const job = await getJob(db, principal, id);
  // The same answer for another tenant's job and for none at all.
  if (!job) throw appError.NOT_FOUND(`Export job '${id}' not found`);
  return job;
}

export interface JobPage {
  jobs: JobRow[];
  cursor: string | null;
}

/**
 * Newest first. The cursor is the last job's (created_at, id): it only moves
 * the position inside the caller's own jobs, the visibility condition applies
 * to every page, so it needs no signature.
 */
export async function pageJobs(db: Queryable, principal: Principal, limit: number, cursor: string | null): Promise<JobPage> {
  const rows = await listJobs(db, principal, limit, cursor === null ? null : decodeJobCursor(cursor));
  const more = rows.length > limit;
  const jobs = more ? rows.slice(0, limit) : rows;
  const last = jobs[jobs.length - 1];
  return {
    jobs,
    cursor: more && last ? Buffer.from(JSON.stringify([new Date(last.created_at).toISOString(), last.id])).toString('base64url') : null,
  };
}

/** A job id: a UUID the server generated (lower case), in routes and cursors. */
export const JOB_ID_PATTERN = '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$';
const UUID_RE = new RegExp(JOB_ID_PATTERN);
const ISO_MS_RE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

function decodeJobCursor(cursor: string): JobPosition {
  let v: unknown;
  try {
    v = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    v = null;
  }
  if (!Array.isArray(v) || v.length !== 2 || typeof v[0] !== 'string' || !ISO_MS_RE.test(v[0]) || typeof v[1] !== 'string' || !UUID_RE.test(v[1])) {
    throw appError.INVALID_CURSOR('not issued by this API or altered');
  }
  return { createdAt: v[0], id: v[1] };
}

export async function cancel(db: Queryable, principal: Principal, id: string): Promise<void> {
  const outcome = await cancelJob(db, principal, id);
  if (outcome === 'missing') throw appError.NOT_FOUND(`Export job '${id}' not found`);
  if (outcome === 'finished') throw appError.EXPORT_JOB_FINISHED(id);
}

export interface Download {
  statusCode: 200 | 206;
  headers: Record<string, string>;
  body: ReadStream;
}

export async function openDownload(db: Queryable, files: FileStore, principal: Principal, id: string, range: string | undefined): Promise<Download> {
  const job = await findJob(db, principal, id);
  if (job.status === 'expired') throw appError.EXPORT_EXPIRED(`Export job '${id}' has expired and its file was deleted`);
  if (job.status !== 'completed' || job.file_name === null) {
    throw appError.EXPORT_NOT_READY(id, job.status);
  }
  const size = await files.size(job.file_name);
  // Deleted meanwhile, or written on another instance whose EXPORT_DIR this one does not share.
  if (size === null) throw appError.EXPORT_EXPIRED(`The file of export job '${id}' is no longer available`);
  const framing = framingOf(job.format);
  const gz = job.compression === 'gzip';
  const headers: Record<string, string> = {
    'content-type': gz ? 'application/gzip' : framing.contentType,
    'content-disposition': `attachment; filename="tracelens-export-${job.id}.${framing.extension}${gz ? '.gz' : ''}"`,
    'accept-ranges': 'bytes',
    // A resumed download must continue the same file: the job id and attempt name it.
    etag: `"${job.file_name}"`,
    'cache-control': 'private, no-store',
  };
  const r = parseRange(range, size);
  if (r.kind === 'unsatisfiable') {
    throw appError.RANGE_NOT_SATISFIABLE(size);
  }
  if (r.kind === 'all') {
    return { statusCode: 200, headers: { ...headers, 'content-length': String(size) }, body: files.createReader(job.file_name) };
  }
  return {
    statusCode: 206,
    headers: { ...headers, 'content-length': String(r.end - r.start + 1), 'content-range': `bytes ${r.start}-${r.end}/${size}` },
    body: files.createReader(job.file_name, r),
  };
}
