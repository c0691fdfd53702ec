// Expiry: completed exports past EXPORT_TTL become `expired` and their files
// are deleted; files no job keeps (an attempt whose process died, a deletion
// that failed earlier) are deleted too. Run by the server periodically and by
// `tracelens maintain`.
import type { Queryable } from '../storage/driver.js';
import type { FileStore } from './file-store.js';
import { expireJobs, keptFileNames } from './job-store.js';

export interface ExpiryResult {
  expiredJobs: number;
  deletedFiles: string[];
}

/**
 * A file written this recently is never stale: a run renames its file into
 * place just before it records the job as completed.
 */
const STALE_AFTER_MS = 10 * 60_000;

export async function expireExports(db: Queryable, files: FileStore, now = Date.now()): Promise<ExpiryResult> {
  const expired = await expireJobs(db);
  const deleted: string[] = [];
  for (const name of expired) {
    await files.remove(name);
    deleted.push(name);
  }
  // List first, then ask which to keep: a file that appears after the listing
  // is not touched, and one listed belongs to a job the query still sees.
  const present = await files.list();
  const kept = await keptFileNames(db, (id, attempt) => files.partName(id, attempt));
  for (const { name, mtimeMs } of present) {
    if (kept.has(name) || deleted.includes(name) || now - mtimeMs < STALE_AFTER_MS) continue;
    await files.remove(name);
    deleted.push(name);
  }
  return { expiredJobs: expired.length, deletedFiles: deleted };
}
