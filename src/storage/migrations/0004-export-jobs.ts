// Export jobs: the queue the workers of every instance share. A job is claimed
// with FOR UPDATE SKIP LOCKED and held by a lease its worker renews; a lease
// that runs out means the worker died, and the job is taken over or failed.
export default /* sql */ `
CREATE TABLE tracelens_export_jobs (
  id               uuid PRIMARY KEY,
  -- Who may see the job: the tenant (org) always, the user unless an admin asks.
  org_id           text,
  owner_sub        text NOT NULL,
  -- Project ids the export is limited to; NULL = every project (admin).
  scope            text[],
  -- The caller as the worker must act for it: role and permissions at creation.
  principal        jsonb NOT NULL,
  -- The search request with absolute time bounds, validated again when it runs.
  request          jsonb NOT NULL,
  format           text NOT NULL CHECK (format IN ('csv', 'json', 'jsonl')),
  compression      text NOT NULL CHECK (compression IN ('none', 'gzip')),
  row_limit        bigint CHECK (row_limit > 0),
  status           text NOT NULL DEFAULT 'pending'
                   CHECK (status IN ('pending', 'processing', 'completed', 'failed', 'cancelled', 'expired')),
  rows             bigint NOT NULL DEFAULT 0,
  bytes            bigint NOT NULL DEFAULT 0,
  error            text,
  attempts         integer NOT NULL DEFAULT 0,
  lease_owner      text,
  lease_expires_at timestamptz,
  -- The finished file under EXPORT_DIR; named by the server (job id and attempt), never from input.
  file_name        text,
  created_at       timestamptz NOT NULL DEFAULT now(),
  started_at       timestamptz,
  completed_at     timestamptz,
  expires_at       timestamptz
);
-- The workers' claim: oldest pending job, or a processing one whose lease ran out.
CREATE INDEX tracelens_export_jobs_queue_idx ON tracelens_export_jobs (created_at)
  WHERE status IN ('pending', 'processing');
-- GET /export/jobs: a tenant's jobs, newest first, keyset-paged on (created_at, id).
CREATE INDEX tracelens_export_jobs_owner_idx ON tracelens_export_jobs (org_id, owner_sub, created_at DESC, id DESC);
CREATE INDEX tracelens_export_jobs_org_idx ON tracelens_export_jobs (org_id, created_at DESC, id DESC);
-- Expiry: completed files past their date.
CREATE INDEX tracelens_export_jobs_expiry_idx ON tracelens_export_jobs (expires_at) WHERE status = 'completed';
`;
