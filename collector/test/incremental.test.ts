// `hpu aggregate --incremental`: a day is aggregated again only when a raw file of the hours it
// reads changed; the other days keep their rollup files untouched, byte for byte. The same logic
// on S3 (raw objects listed per hour partition, state as an object) with Athena faked at the SDK.
import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { dayFingerprint, LocalRawLister, LocalStateStore, planIncremental, STATE_FILE, type RawLister } from '../src/aggregate/incremental.js';
import { aggregateCommand } from '../src/commands/aggregate.js';
import { silentLogger } from '../src/log.js';
import { loadScenario } from '../src/simulator/scenario.js';
import { runSimulation } from '../src/simulator/simulation.js';

const scenario = loadScenario(fileURLToPath(new URL('fixtures/aggregation/crossing-midnight.yaml', import.meta.url)));

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? filesUnder(join(dir, e.name)) : [join(dir, e.name)]));
}

/** Every daily rollup file with its bytes and modification time (prices are rewritten on every run). */
function rollupFiles(dataDir: string): Map<string, string> {
  const root = join(dataDir, 'rollups');
  return new Map(
    filesUnder(root)
      .filter((f) => f.endsWith('.parquet') && !relative(root, f).startsWith('prices'))
      .map((f) => [relative(root, f), `${statSync(f).mtimeMs} ${readFileSync(f).toString('base64')}`]),
  );
}

describe('incremental aggregation', () => {
  it('redoes only the days whose raw hours changed, and leaves the others byte for byte', async (t) => {
    const root = mkdtempSync(join(tmpdir(), 'hpu-incremental-'));
    const dataDir = join(root, 'data');
    const printed: string[] = [];
    t.mock.method(console, 'log', (line: string) => void printed.push(line));
    const run = async () => {
      await aggregateCommand(['--data', dataDir, '--from', '2025-05-10', '--to', '2025-05-12', '--incremental', '--memory-limit', '1GB', '--log-level', 'warn']);
      return printed[printed.length - 1] ?? '';
    };
    try {
      await runSimulation({ scenario, clusterName: 'hand', storage: { kind: 'local', directory: dataDir }, spoolDir: join(root, 'spool'), speed: 3600, log: silentLogger });
      assert.match(await run(), /^Aggregated 3 day\(s\) \(0 unchanged, kept\)/);
      assert.deepEqual(Object.keys((await new LocalStateStore(dataDir).read()).days), ['2025-05-10', '2025-05-11', '2025-05-12']);
      const first = rollupFiles(dataDir);
      assert.ok(first.size >= 6, 'rollup files were written');

      assert.match(await run(), /^Aggregated 0 day\(s\) \(3 unchanged, kept\)/);
      assert.deepEqual(rollupFiles(dataDir), first, 'nothing rewritten');

      // A late file in 02:00 of the 11th: read by the 11th and the 12th (its day before), not by the 10th.
      const hour = join(dataDir, 'raw', 'heartdub', 'year=2025', 'month=05', 'day=11', 'hour=02');
      const late = filesUnder(hour).find((f) => f.endsWith('.parquet'));
      assert.ok(late, 'a heartbeat file at 02:00');
      copyFileSync(late, late.replace(/\.parquet$/, '-late.parquet'));
      assert.match(await run(), /^Aggregated 2 day\(s\) \(1 unchanged, kept\)/);
      const third = rollupFiles(dataDir);
      for (const [file, content] of first) {
        if (file.includes('day=10/')) assert.equal(third.get(file), content, `${file} kept`);
      }
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  it('redoes the days after a redone day: each reads the task_daily of the day before', async () => {
    const day = (iso: string) => Date.parse(`${iso}T00:00:00Z`);
    // One raw file, in 12:00 of the 9th: only the 9th and the 10th read that hour.
    let version = 'a';
    const lister: RawLister = {
      listHour: async (table, hour) => (table === 'workload' && hour === day('2025-05-09') + 12 * 3_600_000 ? [{ key: 'raw/workload/f.parquet', size: 1, version }] : []),
    };
    const days = [day('2025-05-11'), day('2025-05-09'), day('2025-05-10')];
    const first = await planIncremental(lister, days, 'settings', { version: 1, days: {} });
    assert.deepEqual(first.changed, [day('2025-05-09'), day('2025-05-10'), day('2025-05-11')], 'every day, oldest first');
    const state = { version: 1 as const, days: Object.fromEntries(first.fingerprints) };
    assert.deepEqual((await planIncremental(lister, days, 'settings', state)).changed, [], 'nothing changed');
    version = 'b';
    assert.deepEqual(
      (await planIncremental(lister, days, 'settings', state)).changed,
      [day('2025-05-09'), day('2025-05-10'), day('2025-05-11')],
      'the 11th does not read the file, but it reads the task_daily of the 10th, which was redone',
    );
    // A day asked for alone: its day before's recorded fingerprint stands for it.
    assert.deepEqual((await planIncremental(lister, [day('2025-05-11')], 'settings', state)).changed, []);
  });

  it('fingerprints the settings too', async () => {
    const root = mkdtempSync(join(tmpdir(), 'hpu-incremental-'));
    try {
      const day = Date.parse('2025-05-10T00:00:00Z');
      const lister = new LocalRawLister(root);
      assert.notEqual(await dayFingerprint(lister, day, 'prices A'), await dayFingerprint(lister, day, 'prices B'));
      assert.equal(await dayFingerprint(lister, day, 'prices A'), await dayFingerprint(lister, day, 'prices A'));
      assert.deepEqual(Object.keys((await new LocalStateStore(root).read()).days), [], 'no state file: every day is redone');
      assert.ok(STATE_FILE.startsWith('rollups'));
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
