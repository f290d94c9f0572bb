// The embedded engine's memory settings: a memory limit and a spill folder, whatever the caller.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { openEngine } from '../src/commands/engine-options.js';
import { ConfigError } from '../src/config.js';
import { defaultMemoryLimit, DuckDbEngine, parseMemoryLimit } from '../src/engine/duckdb-engine.js';
import { silentLogger } from '../src/log.js';

describe('DuckDB engine settings', () => {
  it('bounds memory by default and spills into a folder of its own, removed on close', async () => {
    const engine = await DuckDbEngine.open('/nonexistent-empty-dir');
    const settings = await engine.settings();
    await engine.close();
    const limitMiB = Number(/^(\d+)MiB$/.exec(defaultMemoryLimit())?.[1]);
    assert.ok(limitMiB >= 256, `default limit ${defaultMemoryLimit()}`);
    assert.match(settings.memory_limit ?? '', /^\d+(\.\d+)? [KMGT]iB$/);
    assert.equal(settings.preserve_insertion_order, 'false');
    const spill = settings.temp_directory ?? '';
    assert.ok(spill.startsWith(join(tmpdir(), 'hpu-duckdb-')), spill);
    assert.equal(existsSync(spill), false, 'the spill folder is removed on close');
  });

  it('takes a memory limit and a spill folder from the caller, and keeps a folder it did not make', async () => {
    const folder = mkdtempSync(join(tmpdir(), 'hpu-duckdb-test-'));
    try {
      const engine = await DuckDbEngine.open('/nonexistent-empty-dir', { memoryLimit: '1GiB', tempDirectory: folder });
      const settings = await engine.settings();
      await engine.close();
      assert.equal(settings.memory_limit, '1.0 GiB');
      assert.equal(settings.temp_directory, folder);
      assert.ok(existsSync(folder));
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  });

  it('refuses a size it cannot read, from a flag or from DUCKDB_MEMORY_LIMIT', async () => {
    assert.equal(parseMemoryLimit(' 8GB '), '8GB');
    assert.equal(parseMemoryLimit('512MiB'), '512MiB');
    assert.throws(() => parseMemoryLimit('8'), /expected a size such as 8GB/);
    assert.throws(() => parseMemoryLimit("1GB'; DROP"), /expected a size/);
    await assert.rejects(openEngine({ engine: 'local', data: '/nonexistent-empty-dir', 'memory-limit': 'lots' }, silentLogger), (e: unknown) => {
      assert.ok(e instanceof ConfigError);
      assert.match(e.message, /^--memory-limit: expected a size/);
      return true;
    });
    const before = process.env.DUCKDB_MEMORY_LIMIT;
    process.env.DUCKDB_MEMORY_LIMIT = '2 GB';
    try {
      const opened = await openEngine({ engine: 'local', data: '/nonexistent-empty-dir' }, silentLogger);
      const settings = await (opened.engine as DuckDbEngine).settings();
      await opened.close();
      assert.equal(settings.memory_limit, '1.8 GiB');
      process.env.DUCKDB_MEMORY_LIMIT = 'half';
      await assert.rejects(openEngine({ engine: 'local', data: '/nonexistent-empty-dir' }, silentLogger), /^Error: DUCKDB_MEMORY_LIMIT: expected a size/);
    } finally {
      if (before === undefined) delete process.env.DUCKDB_MEMORY_LIMIT;
      else process.env.DUCKDB_MEMORY_LIMIT = before;
    }
  });
});
