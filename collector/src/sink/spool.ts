/**
 * A local, bounded spool: every Parquet file is written here first and leaves only after its
 * upload succeeded, so records survive storage outages and collector restarts. Files are stored
 * under their final object key; the spool is drained oldest first.
 */
import { mkdir, readFile, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join, relative, sep } from 'node:path';

export class SpoolFullError extends Error {
  constructor(
    readonly bytes: number,
    readonly limit: number,
  ) {
    super(`spool full: ${bytes} bytes of ${limit}`);
  }
}

const QUARANTINE_FOLDER = '.quarantine';

interface Entry {
  key: string;
  size: number;
}

export class Spool {
  private readonly queue: Entry[] = [];
  private totalBytes = 0;

  constructor(
    readonly directory: string,
    readonly maxBytes: number,
  ) {}

  /** Where unreadable files go: inside the spool (same volume), skipped when a restart picks files up. */
  get quarantineDirectory(): string {
    return join(this.directory, QUARANTINE_FOLDER);
  }

  /** Picks up files left by an earlier run (oldest first) and removes half-written ones. */
  async open(): Promise<number> {
    await mkdir(this.directory, { recursive: true });
    const found: Array<Entry & { mtimeMs: number }> = [];
    const walk = async (dir: string): Promise<void> => {
      for (const entry of await readdir(dir, { withFileTypes: true })) {
        const path = join(dir, entry.name);
        if (entry.isDirectory()) {
          if (path !== this.quarantineDirectory) await walk(path);
        }
        else if (entry.name.endsWith('.tmp')) await rm(path, { force: true });
        else if (entry.isFile()) {
          const s = await stat(path);
          found.push({ key: relative(this.directory, path).split(sep).join('/'), size: s.size, mtimeMs: s.mtimeMs });
        }
      }
    };
    await walk(this.directory);
    found.sort((a, b) => a.mtimeMs - b.mtimeMs || a.key.localeCompare(b.key));
    for (const f of found) this.push({ key: f.key, size: f.size });
    return found.length;
  }

  get bytes(): number {
    return this.totalBytes;
  }

  get freeBytes(): number {
    return Math.max(0, this.maxBytes - this.totalBytes);
  }

  get oldestKey(): string | undefined {
    return this.queue[0]?.key;
  }

  get count(): number {
    return this.queue.length;
  }

  /** Writes a file atomically; throws SpoolFullError, writing nothing, when it would exceed the limit. */
  async add(key: string, body: Uint8Array): Promise<void> {
    if (this.totalBytes + body.length > this.maxBytes) throw new SpoolFullError(this.totalBytes, this.maxBytes);
    const target = join(this.directory, key);
    await mkdir(dirname(target), { recursive: true });
    const temporary = `${target}.tmp`;
    await writeFile(temporary, body);
    await rename(temporary, target);
    this.push({ key, size: body.length });
  }

  /** Oldest file still waiting, with its content. */
  async peek(): Promise<{ key: string; body: Uint8Array } | undefined> {
    const entry = this.queue[0];
    if (!entry) return undefined;
    return { key: entry.key, body: new Uint8Array(await readFile(join(this.directory, entry.key))) };
  }

  /**
   * Moves the oldest file out of the spool because it cannot be read (kept for a person to look
   * at); returns where it went. A file that cannot even be moved is removed from the queue.
   */
  async quarantineOldest(key: string): Promise<string | undefined> {
    const entry = this.queue[0];
    if (!entry || entry.key !== key) throw new Error(`spool out of order: expected ${entry?.key}, got ${key}`);
    const target = join(this.quarantineDirectory, key);
    let moved: string | undefined;
    try {
      await mkdir(dirname(target), { recursive: true });
      await rename(join(this.directory, key), target);
      moved = target;
    } catch {
      moved = undefined;
    }
    this.queue.shift();
    this.totalBytes -= entry.size;
    return moved;
  }

  /** Removes the oldest file after its upload succeeded. */
  async removeOldest(key: string): Promise<void> {
    const entry = this.queue[0];
    if (!entry || entry.key !== key) throw new Error(`spool out of order: expected ${entry?.key}, got ${key}`);
    await rm(join(this.directory, key), { force: true });
    this.queue.shift();
    this.totalBytes -= entry.size;
  }

  private push(entry: Entry): void {
    this.queue.push(entry);
    this.totalBytes += entry.size;
  }
}
