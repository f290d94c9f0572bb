/** Finding a folder's Parquet files and sizing their footers, for the benches' scan estimates. */
import { closeSync, existsSync, openSync, readdirSync, readSync, statSync } from 'node:fs';
import { join } from 'node:path';

/** Every `.parquet` file below `dir`, sorted; hidden entries (a writer's temporary files) are skipped. */
export function parquetFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true })
    .flatMap((e) => (e.name.startsWith('.') ? [] : e.isDirectory() ? parquetFiles(join(dir, e.name)) : e.isFile() && e.name.endsWith('.parquet') ? [join(dir, e.name)] : []))
    .sort();
}

/** Bytes of a Parquet file's footer (metadata + length + magic): what a reader fetches before any column chunk. */
export function footerBytes(file: string): number {
  const fd = openSync(file, 'r');
  try {
    const size = statSync(file).size;
    const tail = Buffer.alloc(8);
    readSync(fd, tail, 0, 8, size - 8);
    if (tail.toString('latin1', 4, 8) !== 'PAR1') throw new Error(`${file} is not a Parquet file`);
    return tail.readUInt32LE(0) + 8;
  } finally {
    closeSync(fd);
  }
}
