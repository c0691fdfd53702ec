// Export jobs on both engines: every format and compression equals the search
// paged to its end; Range resumes; listing pages; tenants and users see only
// their own jobs (another tenant's id is a 404); cancel; a run aborted
// mid-stream leaves no file; a dead worker's job is taken over, or failed
// with a reason once it died on every attempt; expiry deletes files.
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { gunzipSync } from 'node:zlib';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { expireExports } from '../../src/export/expiry.js';
import { FileStore } from '../../src/export/file-store.js';
import { cancelJob, claimJob, getJob } from '../../src/export/job-store.js';
import { createJob } from '../../src/export/jobs.js';
import { runJob } from '../../src/export/run-job.js';
import { ExportWorker } from '../../src/export/worker.js';
import { bearer, buildTestApp } from '../helpers/app.js';
import { describeEachBackend } from '../helpers/backends.js';
import { eventually, SILENT_LOG } from '../helpers/cache.js';
import { exportSpans, parseCsvRows, parseNdjson, searchToEnd } from '../helpers/export.js';
import { principal } from '../helpers/principal.js';
import { insertSpans } from '../helpers/spans.js';

type Json = Record<string, unknown>;

describeEachBackend('export jobs', (backend) => {
  let app: FastifyInstance;
  let dir: string;
  let viewer: Record<string, string>;
  const BODY = { filter: { field: 'status_code', operator: 'eq', value: 'OK' }, sort_by: 'duration_ms', sort_desc: false };

  beforeAll(async () => {
    await insertSpans(backend().driver, exportSpans(300));
    dir = mkdtempSync(join(tmpdir(), 'tracelens-export-test-'));
    app = await buildTestApp(backend().driver, { EXPORT_DIR: dir, EXPORT_LEASE_MS: '2000' });
    viewer = await bearer({ role: 'viewer', projects: ['proj-a'], orgId: 'org-1', sub: 'alice' });
  });
  afterAll(async () => {
    await app?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const inject = (method: 'GET' | 'POST' | 'DELETE', url: string, headers: Record<string, string>, payload?: Json) =>
    app.inject({ method, url, headers, ...(payload ? { payload } : {}) });

  async function finished(headers: Record<string, string>, id: string): Promise<Json> {
    let job: Json = {};
    await eventually(async () => {
      job = (await inject('GET', `/api/v1/export/jobs/${id}`, headers)).json().data as Json;
      return !['pending', 'processing'].includes(job.status as string);
    }, 30_000, 50);
    return job;
  }

  async function exportJob(headers: Record<string, string>, body: Json): Promise<{ job: Json; file: Buffer }> {
    const created = await inject('POST', '/api/v1/export/traces', headers, body);
    expect(created.statusCode, created.body).toBe(202);
    const data = created.json().data as Json;
    expect(data.status).toBe('pending');
    expect(created.headers.location).toBe(data.status_url);
    const job = await finished(headers, data.job_id as string);
    expect(job.status, JSON.stringify(job)).toBe('completed');
    const dl = await inject('GET', job.download_url as string, headers);
    expect(dl.statusCode).toBe(200);
    expect(Number(dl.headers['content-length'])).toBe(job.bytes);
    expect(dl.headers['content-disposition']).toMatch(new RegExp(`^attachment; filename="tracelens-export-${data.job_id}\\.`));
    return { job, file: dl.rawPayload };
  }

  const CASES = [
    { format: 'jsonl', parse: (t: string) => parseNdjson(t) },
    { format: 'json', parse: (t: string) => JSON.parse(t) as Json[] },
    { format: 'csv', parse: (t: string) => parseCsvRows(t).rows },
  ];
  for (const c of CASES) {
    for (const compression of ['none', 'gzip'] as const) {
      it(`${c.format} (${compression}) equals the search paged to its end`, async () => {
        const expected = await searchToEnd(app, viewer, BODY);
        const { job, file } = await exportJob(viewer, { ...BODY, format: c.format, compression });
        const text = (compression === 'gzip' ? gunzipSync(file) : file).toString('utf8');
        expect(c.parse(text)).toEqual(expected);
        expect(job.rows).toBe(expected.length);
      });
    }
  }

  it('stops at the row limit', async () => {
    const expected = (await searchToEnd(app, viewer, BODY)).slice(0, 10);
    const { job, file } = await exportJob(viewer, { ...BODY, format: 'jsonl', limit: 10 });
    expect(job.rows).toBe(10);
    expect(parseNdjson(file.toString('utf8'))).toEqual(expected);
  });

  it('resumes a download with Range and refuses a range past the end', async () => {
    const { job, file } = await exportJob(viewer, { ...BODY, format: 'csv' });
    const size = file.length;
    const part = await app.inject({ method: 'GET', url: job.download_url as string, headers: { ...viewer, range: 'bytes=100-' } });
    expect(part.statusCode).toBe(206);
    expect(part.headers['content-range']).toBe(`bytes 100-${size - 1}/${size}`);
    expect(Buffer.compare(part.rawPayload, file.subarray(100))).toBe(0);
    const tail = await app.inject({ method: 'GET', url: job.download_url as string, headers: { ...viewer, range: 'bytes=-10' } });
    expect(Buffer.compare(tail.rawPayload, file.subarray(size - 10))).toBe(0);
    const bad = await app.inject({ method: 'GET', url: job.download_url as string, headers: { ...viewer, range: `bytes=${size}-` } });
    expect(bad.statusCode).toBe(416);
    expect(bad.json().error.code).toBe('RANGE_NOT_SATISFIABLE');
    expect(bad.headers['content-range']).toBe(`bytes */${size}`);
  });

  it("shows a job only to its tenant and user (an admin sees the tenant's); another tenant gets 404", async () => {
    const { job } = await exportJob(viewer, { format: 'jsonl', limit: 1 });
    const url = job.status_url as string;
    const others = [
      await bearer({ role: 'admin', orgId: 'org-2', sub: 'eve' }),
      await bearer({ role: 'viewer', projects: ['proj-a'], orgId: 'org-2', sub: 'alice' }),
      await bearer({ role: 'viewer', projects: ['proj-a'], orgId: 'org-1', sub: 'bob' }),
      // The same user after losing the project the export covers.
      await bearer({ role: 'viewer', projects: ['proj-b'], orgId: 'org-1', sub: 'alice' }),
    ];
    for (const h of others) {
      for (const [method, u] of [['GET', url], ['GET', `${url}/download`], ['DELETE', url]] as const) {
        const res = await inject(method, u, h);
        expect(res.statusCode, `${method} ${u}`).toBe(404);
        expect(res.json().error.code).toBe('NOT_FOUND');
      }
      const list = (await inject('GET', '/api/v1/export/jobs?limit=100', h)).json().data as Json[];
      expect(list.map((j) => j.job_id)).not.toContain(job.job_id);
    }
    const orgAdmin = await bearer({ role: 'admin', orgId: 'org-1', sub: 'root' });
    expect((await inject('GET', url, orgAdmin)).statusCode).toBe(200);
  });

  it('lists jobs newest first through a keyset cursor', async () => {
    const h = await bearer({ role: 'viewer', projects: ['proj-a'], orgId: 'org-list', sub: 'lister' });
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push((await inject('POST', '/api/v1/export/traces', h, { format: 'csv', limit: 1 })).json().data.job_id);
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const res = await inject('GET', `/api/v1/export/jobs?limit=2${cursor ? `&cursor=${cursor}` : ''}`, h);
      expect(res.statusCode).toBe(200);
      const body = res.json();
      seen.push(...(body.data as Json[]).map((j) => j.job_id as string));
      cursor = body.pagination.cursor;
    } while (cursor !== null);
    expect(seen).toEqual([...ids].reverse());
    expect((await inject('GET', '/api/v1/export/jobs?cursor=bm9wZQ', h)).json().error.code).toBe('INVALID_CURSOR');
  });

  it('rejects bad job requests with 400 and unknown or malformed ids with 404/400', async () => {
    for (const body of [{}, { format: 'xml' }, { format: 'csv', compression: 'zip' }, { format: 'csv', limit: 0 }, { format: 'csv', cursor: 'x' }]) {
      expect((await inject('POST', '/api/v1/export/traces', viewer, body)).statusCode, JSON.stringify(body)).toBe(400);
    }
    expect((await inject('GET', '/api/v1/export/jobs/00000000-0000-4000-8000-000000000000', viewer)).statusCode).toBe(404);
    expect((await inject('GET', '/api/v1/export/jobs/not-a-uuid', viewer)).statusCode).toBe(400);
  });

  describe('queue', () => {
    const config = loadConfig({ JWT_SECRET: 'x'.repeat(40), EXPORT_LEASE_MS: '300', EXPORT_MAX_ATTEMPTS: '2', EXPORT_CONCURRENCY: '1' }).export;
    const alice = principal('viewer', ['proj-a'], { sub: 'queue-user', orgId: 'org-q' });
    let files: FileStore;
    let worker: ExportWorker;
    beforeAll(() => {
      files = new FileStore(dir);
      worker = new ExportWorker({ db: backend().driver, reader: backend().driver, config, files, log: SILENT_LOG as never });
    });
    afterAll(async () => worker?.stop());

    const status = async (id: string) => (await getJob(backend().driver, alice, id))!;
    // The claims below take the oldest runnable job: let the jobs of the tests above finish first.
    beforeEach(async () => {
      await eventually(async () => {
        const r = await backend().driver.query<{ n: number }>(`SELECT count(*)::int AS n FROM tracelens_export_jobs WHERE status IN ('pending', 'processing')`);
        return r.rows[0]!.n === 0;
      }, 30_000, 50);
    });

    it('cancels a pending job (204), then answers 409 because it has finished', async () => {
      const job = await createJob(backend().driver, alice, { format: 'csv' });
      const h = await bearer({ role: 'viewer', projects: ['proj-a'], orgId: 'org-q', sub: 'queue-user' });
      expect((await inject('DELETE', `/api/v1/export/jobs/${job.id}`, h)).statusCode).toBe(204);
      expect((await status(job.id)).status).toBe('cancelled');
      const again = await inject('DELETE', `/api/v1/export/jobs/${job.id}`, h);
      expect(again.statusCode).toBe(409);
      expect(again.json().error.code).toBe('EXPORT_JOB_FINISHED');
      expect((await inject('GET', `/api/v1/export/jobs/${job.id}/download`, h)).json().error.code).toBe('EXPORT_NOT_READY');
    });

    it('a run cancelled mid-stream stops and leaves no file', async () => {
      const job = await createJob(backend().driver, alice, { format: 'jsonl' });
      const claimed = (await claimJob(backend().driver, 'w-cancel', 60_000, 5))!;
      expect(claimed.id).toBe(job.id);
      const controller = new AbortController();
      let written = 0;
      // A writer that cancels the run once the first bytes reached it: mid-stream, every time.
      const store = new (class extends FileStore {
        override createWriter(): never {
          return new Writable({
            highWaterMark: 1,
            write(chunk: Buffer, _e, done) {
              written += chunk.length;
              controller.abort();
              setTimeout(done, 10);
            },
          }) as never;
        }
      })(dir);
      const progress = { rows: 0, bytes: 0 };
      await expect(runJob(backend().driver, config, store, claimed, progress, controller.signal)).rejects.toThrow(/abort/i);
      expect(written).toBeGreaterThan(0);
      expect(progress.rows).toBeLessThan(225);
      expect(readdirSync(dir).filter((n) => n.startsWith(job.id))).toEqual([]);
      await cancelJob(backend().driver, alice, job.id);
    });

    it("takes over a dead worker's job once its lease ran out", async () => {
      const job = await createJob(backend().driver, alice, { format: 'csv', limit: 5 });
      const dead = (await claimJob(backend().driver, 'dead-worker', 1, 5))!;
      expect(dead.id).toBe(job.id);
      // What the dead process left behind.
      writeFileSync(join(dir, files.partName(job.id, 1)), 'half a file');
      await new Promise((r) => setTimeout(r, 20));
      await worker.tick();
      await eventually(async () => (await status(job.id)).status === 'completed', 30_000, 50);
      const done = await status(job.id);
      expect(done.attempts).toBe(2);
      expect(Number(done.rows)).toBe(5);
      // The dead attempt's file is stale; the completed one is kept.
      const r = await expireExports(backend().driver, files, Date.now() + 3_600_000);
      expect(r.deletedFiles).toContain(files.partName(job.id, 1));
      expect(readdirSync(dir)).toContain(done.file_name);
    });

    it('fails a job whose worker died on every attempt, with the reason', async () => {
      const job = await createJob(backend().driver, alice, { format: 'csv' });
      for (const w of ['dead-1', 'dead-2']) {
        expect((await claimJob(backend().driver, w, 1, 5))!.id).toBe(job.id);
        await new Promise((r) => setTimeout(r, 20));
      }
      await worker.tick();
      const failed = await status(job.id);
      expect(failed.status).toBe('failed');
      expect(failed.error).toMatch(/stopped 2 times/);
    });

    it('expiry marks old completed jobs expired and deletes their files', async () => {
      const job = await createJob(backend().driver, alice, { format: 'json', compression: 'gzip', limit: 3 });
      await worker.tick();
      await eventually(async () => (await status(job.id)).status === 'completed', 30_000, 50);
      const done = await status(job.id);
      expect(readdirSync(dir)).toContain(done.file_name);
      await backend().driver.query(`UPDATE tracelens_export_jobs SET expires_at = now() - interval '1 second' WHERE id = $1::uuid`, [job.id]);
      const r = await expireExports(backend().driver, files);
      expect(r.deletedFiles).toContain(done.file_name);
      expect(readdirSync(dir)).not.toContain(done.file_name);
      expect((await status(job.id)).status).toBe('expired');
      const h = await bearer({ role: 'viewer', projects: ['proj-a'], orgId: 'org-q', sub: 'queue-user' });
      const dl = await inject('GET', `/api/v1/export/jobs/${job.id}/download`, h);
      expect(dl.statusCode).toBe(410);
      expect(dl.json().error.code).toBe('EXPORT_EXPIRED');
    });
  });
});
