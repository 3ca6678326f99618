// Evidence archive: the `fs` store (EVIDENCE_DIR). Each write goes to a temporary file under
// `.tmp/`, is flushed to disk (fsync), renamed into place (atomic on one file system) and the
// folder is flushed too: after a crash an object is either whole or absent. Temporary files of a
// killed writer are removed at the next start (same host, process gone) or once an hour old.
import { randomUUID } from 'node:crypto';
import { mkdir, open, readdir, readFile, rename, rm, stat, unlink } from 'node:fs/promises';
import { hostname } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { Logger } from '@nestjs/common';
import { EvidenceStore, isSafeStoreKey } from './evidence-store.js';

const TMP = '.tmp';
const STALE_TMP_MS = 60 * 60 * 1000;

export class FsEvidenceStore implements EvidenceStore {
  readonly kind = 'fs' as const;
  private readonly logger = new Logger(FsEvidenceStore.name);
  private readonly root: string;
  private readonly host = hostname().replace(/[^A-Za-z0-9_-]/g, '_');

  constructor(dir: string) {
    this.root = resolve(dir);
  }

  async init(): Promise<void> {
    await mkdir(join(this.root, TMP), { recursive: true, mode: 0o700 });
    await this.clearLeftovers();
  }

  async put(key: string, body: Buffer): Promise<void> {
    const target = this.pathOf(key);
    // Both folders every time (cheap when they exist): a folder that could not be made at start,
    // or was removed since, is made as soon as it can be.
    await mkdir(join(this.root, TMP), { recursive: true, mode: 0o700 });
    await mkdir(dirname(target), { recursive: true, mode: 0o700 });
    const tmp = join(this.root, TMP, `${this.host}~${process.pid}~${randomUUID()}.tmp`);
    const fh = await open(tmp, 'wx', 0o600);
    try {
      await fh.writeFile(body);
      await fh.sync();
    } catch (err) {
      await fh.close();
      await rm(tmp, { force: true });
      throw err;
    }
    await fh.close();
    try {
      await rename(tmp, target);
    } catch (err) {
      await rm(tmp, { force: true });
      throw err;
    }
    await syncDir(dirname(target));
  }

  async get(key: string): Promise<Buffer | null> {
    try {
      return await readFile(this.pathOf(key));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw err;
    }
  }

  async delete(key: string): Promise<void> {
    const path = this.pathOf(key);
    try {
      await unlink(path);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      return;
    }
    await syncDir(dirname(path));
  }

  private pathOf(key: string): string {
    if (!isSafeStoreKey(key)) throw new Error('invalid evidence store key');
    return join(this.root, key);
  }

  /** Temporary files whose writer is gone: this host's dead processes, or anyone's after an hour. */
  private async clearLeftovers(): Promise<void> {
    const dir = join(this.root, TMP);
    let removed = 0;
    for (const name of await readdir(dir)) {
      const [host, pid] = name.split('~');
      const path = join(dir, name);
      let stale = host === this.host && Number(pid) !== process.pid && !isAlive(Number(pid));
      if (!stale) {
        try {
          stale = Date.now() - (await stat(path)).mtimeMs > STALE_TMP_MS;
        } catch {
          continue;
        }
      }
      if (stale) {
        await rm(path, { force: true });
        removed++;
      }
    }
    if (removed) this.logger.warn({ removed }, 'removed unfinished evidence writes of a stopped process');
  }
}

function isAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function syncDir(dir: string): Promise<void> {
  const fh = await open(dir, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}
