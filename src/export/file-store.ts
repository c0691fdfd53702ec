// Export files under EXPORT_DIR. Names are made here from the job id (a UUID
// the server generated) and the attempt number, never from anything a caller
// sent; a name that does not have that shape is refused, so no path can
// leave the directory.
import { createReadStream, createWriteStream, mkdirSync, type ReadStream, type WriteStream } from 'node:fs';
import { readdir, rename, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import type { Compression, JobFormat } from './formats.js';
import { framingOf } from './formats.js';

const NAME_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}-\d{1,6}\.(?:part|(?:csv|json|jsonl)(?:\.gz)?)$/;

export class FileStore {
  constructor(readonly dir: string) {}

  /** Creates the directory (owner-only: exports hold tenants' data). */
  ensureDir(): void {
    mkdirSync(this.dir, { recursive: true, mode: 0o700 });
  }

  partName(id: string, attempt: number): string {
    return `${id}-${attempt}.part`;
  }

  finalName(id: string, attempt: number, format: JobFormat, compression: Compression): string {
    return `${id}-${attempt}.${framingOf(format).extension}${compression === 'gzip' ? '.gz' : ''}`;
  }

  private path(name: string): string {
    if (!NAME_RE.test(name)) throw new Error('not an export file name');
    return join(this.dir, name);
  }

  createWriter(name: string): WriteStream {
    return createWriteStream(this.path(name), { mode: 0o600 });
  }

  /** Byte range [start, end], both inclusive. */
  createReader(name: string, range?: { start: number; end: number }): ReadStream {
    return createReadStream(this.path(name), range);
  }

  async rename(from: string, to: string): Promise<void> {
    await rename(this.path(from), this.path(to));
  }

  /** Size in bytes, or null when the file is gone. */
  async size(name: string): Promise<number | null> {
    try {
      return (await stat(this.path(name))).size;
    } catch {
      return null;
    }
  }

  async remove(name: string): Promise<void> {
    await unlink(this.path(name)).catch((err: NodeJS.ErrnoException) => {
      if (err.code !== 'ENOENT') throw err;
    });
  }

  /** Our files currently in the directory, with their last change (anything else there is left alone). */
  async list(): Promise<{ name: string; mtimeMs: number }[]> {
    let names: string[];
    try {
      names = (await readdir(this.dir)).filter((n) => NAME_RE.test(n));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw err;
    }
    const out: { name: string; mtimeMs: number }[] = [];
    for (const name of names) {
      const st = await stat(join(this.dir, name)).catch(() => null);
      if (st) out.push({ name, mtimeMs: st.mtimeMs });
    }
    return out;
  }
}
