// One run of an export job: the job's request, validated again for the
// creator it stored, streamed into a file of its own (`<id>-<attempt>.part`),
// renamed into place when complete. A failed or aborted run removes its file.
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import type { Config } from '../config.js';
import type { Driver } from '../storage/driver.js';
import { exportSearchRequest } from './export-request.js';
import type { FileStore } from './file-store.js';
import { GZIP_OPTIONS } from './formats.js';
import { principalOf, type JobRow } from './job-store.js';
import { openExport } from './open-export.js';

export interface JobProgress {
  rows: number;
  /** Bytes written to the file (after compression). */
  bytes: number;
}

export interface RunResult extends JobProgress {
  fileName: string;
}

export async function runJob(
  reader: Driver,
  cfg: Config['export'],
  files: FileStore,
  job: JobRow,
  progress: JobProgress,
  signal: AbortSignal,
): Promise<RunResult> {
  const req = exportSearchRequest(job.request, principalOf(job.principal));
  const stream = await openExport(reader, cfg, req, {
    format: job.format,
    rowLimit: job.row_limit === null ? null : Number(job.row_limit),
    // Bounds were made absolute when the job was created; this only matters if they were not.
    now: new Date(job.created_at).getTime(),
    signal,
  });
  const part = files.partName(job.id, job.attempts);
  const count = new Transform({
    transform(chunk: Buffer, _enc, done) {
      progress.bytes += chunk.length;
      progress.rows = stream.rows;
      done(null, chunk);
    },
  });
  try {
    files.ensureDir();
    await pipeline([stream, ...(job.compression === 'gzip' ? [createGzip(GZIP_OPTIONS)] : []), count, files.createWriter(part)], { signal });
    progress.rows = stream.rows;
    const fileName = files.finalName(job.id, job.attempts, job.format, job.compression);
    await files.rename(part, fileName);
    return { ...progress, fileName };
  } catch (err) {
    stream.destroy();
    await files.remove(part).catch(() => undefined);
    throw err;
  }
}
