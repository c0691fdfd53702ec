// SQL of the export job queue (tracelens_export_jobs). Every read and change a
// caller makes goes through visibleTo(): the tenant (org) always, the creating
// user unless the caller is an admin, and only while the caller can still read
// every project the export covers. The worker's statements are guarded by its
// lease, so a worker that lost its job (cancelled, or taken over after a stall)
// can never overwrite what another run wrote.
import type { Principal } from '../auth/principal.js';
import { SqlParams } from '../query/compile.js';
import type { Queryable } from '../storage/driver.js';
import type { Compression, JobFormat } from './formats.js';

const JOB_TABLE = 'tracelens_export_jobs';

const LEASE = (param: string) => `now() + ${param}::bigint * interval '1 millisecond'`;
/** A processing job whose worker stopped renewing its lease. */
const LEASE_RAN_OUT = `status = 'processing' AND lease_expires_at < now()`;
/** The job ($1) is still the run of this worker ($2): guards every statement of a run. */
const HELD_BY_WORKER = `id = $1::uuid AND lease_owner = $2::text AND status = 'processing'`;
const NO_LEASE = 'lease_owner = NULL, lease_expires_at = NULL';

export type JobStatus = 'pending' | 'processing' | 'completed' | 'failed' | 'cancelled' | 'expired';

export interface JobRow {
  id: string;
  org_id: string | null;
  owner_sub: string;
  scope: string[] | null;
  principal: PrincipalSnapshot;
  request: Record<string, unknown>;
  format: JobFormat;
  compression: Compression;
  row_limit: number | null;
  status: JobStatus;
  rows: number;
  bytes: number;
  error: string | null;
  attempts: number;
  lease_owner: string | null;
  file_name: string | null;
  created_at: Date;
  started_at: Date | null;
  completed_at: Date | null;
  expires_at: Date | null;
}

/** The creator as the worker acts for it later (a token is not kept). */
export interface PrincipalSnapshot {
  sub: string;
  orgId: string | null;
  role: Principal['role'];
  permissions: string[];
  projects: 'all' | string[];
}

function snapshotOf(p: Principal): PrincipalSnapshot {
  return { sub: p.sub, orgId: p.orgId, role: p.role, permissions: [...p.permissions].sort(), projects: p.projects === 'all' ? 'all' : [...p.projects] };
}

export function principalOf(s: PrincipalSnapshot): Principal {
  return { sub: s.sub, orgId: s.orgId, role: s.role, permissions: new Set(s.permissions) as Principal['permissions'], projects: s.projects, tokenId: null };
}

/** The WHERE conjunct that limits jobs to what `p` may see. */
function visibleTo(p: Principal, params: SqlParams): string {
  const conds = [`org_id IS NOT DISTINCT FROM ${params.append(p.orgId, 'text')}`];
  if (p.role !== 'admin') {
    conds.push(`owner_sub = ${params.append(p.sub, 'text')}`);
    // A user who lost access to a project loses the exports of it too.
    conds.push(p.projects === 'all' ? 'TRUE' : `scope IS NOT NULL AND scope <@ ${params.append(p.projects, 'text[]')}`);
  }
  return conds.join(' AND ');
}

export interface NewJob {
  id: string;
  principal: Principal;
  scope: readonly string[] | null;
  request: Record<string, unknown>;
  format: JobFormat;
  compression: Compression;
  rowLimit: number | null;
  /** Milliseconds precision, so the list's keyset cursor carries it exactly. */
  createdAt: string;
}

export async function insertJob(db: Queryable, j: NewJob): Promise<JobRow> {
  const res = await db.query<JobRow>(
    `INSERT INTO ${JOB_TABLE} (id, org_id, owner_sub, scope, principal, request, format, compression, row_limit, created_at)
     VALUES ($1::uuid, $2::text, $3::text, $4::text[], $5::jsonb, $6::jsonb, $7::text, $8::text, $9::bigint, $10::timestamptz) RETURNING *`,
    [j.id, j.principal.orgId, j.principal.sub, j.scope, JSON.stringify(snapshotOf(j.principal)), JSON.stringify(j.request), j.format, j.compression, j.rowLimit, j.createdAt],
    { kind: 'export' },
  );
  return res.rows[0]!;
}

export async function getJob(db: Queryable, p: Principal, id: string): Promise<JobRow | null> {
  const params = new SqlParams();
  const idParam = params.append(id, 'text');
  const res = await db.query<JobRow>(`SELECT * FROM ${JOB_TABLE} WHERE id = ${idParam}::uuid AND ${visibleTo(p, params)}`, params.values, { kind: 'export' });
  return res.rows[0] ?? null;
}

export interface JobPosition {
  createdAt: string;
  id: string;
}

/** Newest first, keyset-paged on (created_at, id); returns up to limit + 1 rows. */
export async function listJobs(db: Queryable, p: Principal, limit: number, after: JobPosition | null): Promise<JobRow[]> {
  const params = new SqlParams();
  const where = [visibleTo(p, params)];
  if (after !== null) where.push(`(created_at, id) < (${params.append(after.createdAt, 'timestamptz')}, ${params.append(after.id, 'text')}::uuid)`);
  const res = await db.query<JobRow>(
    `SELECT * FROM ${JOB_TABLE} WHERE ${where.join(' AND ')} ORDER BY created_at DESC, id DESC LIMIT ${params.append(limit + 1, 'bigint')}`,
    params.values,
    { kind: 'export' },
  );
  return res.rows;
}

/** 'cancelled', or why not: the job had finished, or is not the caller's to see. */
export async function cancelJob(db: Queryable, p: Principal, id: string): Promise<'cancelled' | 'finished' | 'missing'> {
  const params = new SqlParams();
  const idParam = params.append(id, 'text');
  const res = await db.query<{ id: string }>(
    `UPDATE ${JOB_TABLE} SET status = 'cancelled', completed_at = now(), ${NO_LEASE}
      WHERE id = ${idParam}::uuid AND status IN ('pending', 'processing') AND ${visibleTo(p, params)} RETURNING id`,
    params.values,
    { kind: 'export' },
  );
  if (res.rows.length > 0) return 'cancelled';
  return (await getJob(db, p, id)) === null ? 'missing' : 'finished';
}

/**
 * Claims the oldest runnable job: pending, or processing under a lease that
 * ran out (its worker died). SKIP LOCKED lets several instances claim at once
 * without waiting on, or taking, each other's job.
 */
export async function claimJob(db: Queryable, worker: string, leaseMs: number, maxAttempts: number): Promise<JobRow | null> {
  const res = await db.query<JobRow>(
    `UPDATE ${JOB_TABLE} SET status = 'processing', lease_owner = $1::text, lease_expires_at = ${LEASE('$2')},
            attempts = attempts + 1, started_at = coalesce(started_at, now()), rows = 0, bytes = 0
      WHERE id = (SELECT id FROM ${JOB_TABLE}
                   WHERE (status = 'pending' OR (${LEASE_RAN_OUT})) AND attempts < $3::bigint
                   ORDER BY created_at, id LIMIT 1 FOR UPDATE SKIP LOCKED)
      RETURNING *`,
    [worker, leaseMs, maxAttempts],
    { kind: 'export' },
  );
  return res.rows[0] ?? null;
}

/** Jobs whose worker died on every attempt: failed for good, with the reason. */
export async function failAbandoned(db: Queryable, maxAttempts: number, ttlS: number): Promise<string[]> {
  const res = await db.query<{ id: string }>(
    `UPDATE ${JOB_TABLE} SET status = 'failed', completed_at = now(), expires_at = now() + $2::bigint * interval '1 second',
            ${NO_LEASE},
            error = 'The export stopped ' || attempts || ' times without finishing (its worker exited or lost the database); giving up'
      WHERE ${LEASE_RAN_OUT} AND attempts >= $1::bigint RETURNING id`,
    [maxAttempts, ttlS],
    { kind: 'export' },
  );
  return res.rows.map((r) => r.id);
}

/** Renews the lease and records progress; false when the job is no longer this worker's (cancelled, taken over). */
export async function heartbeat(db: Queryable, id: string, worker: string, leaseMs: number, rows: number, bytes: number): Promise<boolean> {
  const res = await db.query(
    `UPDATE ${JOB_TABLE} SET lease_expires_at = ${LEASE('$3')}, rows = $4::bigint, bytes = $5::bigint
      WHERE ${HELD_BY_WORKER} RETURNING id`,
    [id, worker, leaseMs, rows, bytes],
    { kind: 'export' },
  );
  return res.rows.length > 0;
}

export async function completeJob(db: Queryable, id: string, worker: string, r: { rows: number; bytes: number; fileName: string; ttlS: number }): Promise<boolean> {
  const res = await db.query(
    `UPDATE ${JOB_TABLE} SET status = 'completed', rows = $3::bigint, bytes = $4::bigint, file_name = $5::text,
            completed_at = now(), expires_at = now() + $6::bigint * interval '1 second', ${NO_LEASE}
      WHERE ${HELD_BY_WORKER} RETURNING id`,
    [id, worker, r.rows, r.bytes, r.fileName, r.ttlS],
    { kind: 'export' },
  );
  return res.rows.length > 0;
}

export async function failJob(db: Queryable, id: string, worker: string, error: string, ttlS: number): Promise<void> {
  await db.query(
    `UPDATE ${JOB_TABLE} SET status = 'failed', error = $3::text, completed_at = now(), expires_at = now() + $4::bigint * interval '1 second',
            ${NO_LEASE}
      WHERE ${HELD_BY_WORKER}`,
    [id, worker, error, ttlS],
    { kind: 'export' },
  );
}

/** A worker that stops (SIGTERM) hands its job back at once instead of letting the lease run out. */
export async function releaseJob(db: Queryable, id: string, worker: string): Promise<void> {
  await db.query(
    `UPDATE ${JOB_TABLE} SET status = 'pending', attempts = greatest(attempts - 1, 0), ${NO_LEASE}
      WHERE ${HELD_BY_WORKER}`,
    [id, worker],
    { kind: 'export' },
  );
}

/** Completed jobs past their date become expired; returns the files to delete. */
export async function expireJobs(db: Queryable): Promise<string[]> {
  const res = await db.query<{ file_name: string | null }>(
    `UPDATE ${JOB_TABLE} SET status = 'expired' WHERE status = 'completed' AND expires_at <= now() RETURNING file_name`,
    [],
    { kind: 'export' },
  );
  return res.rows.map((r) => r.file_name).filter((n): n is string => n !== null);
}

/**
 * The files the directory must keep: those of completed jobs, and the file
 * being written by each running job's current attempt. Everything else of
 * ours there is stale (an attempt whose process died, an expiry that could not
 * delete its file).
 */
export async function keptFileNames(db: Queryable, partName: (id: string, attempt: number) => string): Promise<Set<string>> {
  const res = await db.query<{ id: string; status: JobStatus; attempts: number; file_name: string | null }>(
    `SELECT id, status, attempts, file_name FROM ${JOB_TABLE} WHERE status IN ('completed', 'processing')`,
    [],
    { kind: 'export' },
  );
  const kept = new Set<string>();
  for (const r of res.rows) {
    if (r.status === 'processing') kept.add(partName(r.id, r.attempts));
    else if (r.file_name !== null) kept.add(r.file_name);
  }
  return kept;
}
