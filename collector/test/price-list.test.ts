// HyperPod prices from `aws pricing get-products --service-code AmazonSageMaker` output. The fixture
// is in that exact format (PriceList items are JSON strings). Its contents are made up for the test
// (SKUs FIXTURE…, dates, prices), except the figures and usage types of ml.g5.8xlarge in us-east-1
// (with its SKU) and ml.p4d.24xlarge in us-west-2, which are the defaults'.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { sqlString } from '@hyperpod-usage/model';
import { hyperpodPricesFromPriceList, loadPriceList } from '../src/aggregate/price-list.js';
import { ConfigError } from '../src/config.js';
import { DuckDbEngine } from '../src/engine/duckdb-engine.js';
import { createLogger } from '../src/log.js';

const fixture = fileURLToPath(new URL('./fixtures/price-list/get-products-sagemaker.json', import.meta.url));
const cli = fileURLToPath(new URL('../src/cli.ts', import.meta.url));
const root = mkdtempSync(join(tmpdir(), 'hpu-price-list-'));
after(() => rmSync(root, { recursive: true, force: true }));

function capture() {
  const lines: string[] = [];
  return { lines, log: createLogger({ level: 'info', format: 'json', write: (l) => lines.push(l) }) };
}

function writeJson(name: string, doc: unknown): string {
  const path = join(root, name);
  writeFileSync(path, typeof doc === 'string' ? doc : JSON.stringify(doc));
  return path;
}

/** One get-products item, as the API returns it: a product serialised as a string. */
function item(usagetype: string, usd: string, extra: { regionCode?: string; effectiveDate?: string; sku?: string } = {}): string {
  const sku = extra.sku ?? 'TESTSKU000000001';
  return JSON.stringify({
    product: { productFamily: 'ML Instance', attributes: { usagetype, ...(extra.regionCode ? { regionCode: extra.regionCode } : {}) }, sku },
    serviceCode: 'AmazonSageMaker',
    terms: {
      OnDemand: {
        [`${sku}.JRTCKXETXF`]: {
          priceDimensions: { [`${sku}.JRTCKXETXF.6YS6EN2CT7`]: { unit: 'Hrs', pricePerUnit: { USD: usd } } },
          sku,
          effectiveDate: extra.effectiveDate ?? '2026-10-01T00:00:00Z',
        },
      },
    },
    publicationDate: '2026-10-02T00:00:00Z',
  });
}

describe('reading an AWS Price List get-products answer', () => {
  const doc: unknown = JSON.parse(readFileSync(fixture, 'utf8'));

  it('keeps exactly the HyperPod cluster SKUs, with their regions, and counts every other entry', () => {
    const read = hyperpodPricesFromPriceList(doc, 'fixture');
    assert.deepEqual(
      read.prices.map((p) => [p.region, p.instanceType, p.pricePerHour]),
      [
        ['eu-west-1', 'ml.g5.8xlarge', 3.5],
        ['us-east-1', 'ml.c5.xlarge', 0.2],
        ['us-east-1', 'ml.g5.8xlarge', 3.06],
        // Two listings of ml.g6e.xlarge: the later effective date wins.
        ['us-east-1', 'ml.g6e.xlarge', 1.8],
        // A usage type without a Region code is us-east-1's.
        ['us-east-1', 'ml.m5.xlarge', 0.24],
        ['us-east-1', 'ml.p5.48xlarge', 40],
        ['us-east-1', 'ml.trn1.32xlarge', 16],
        ['us-west-2', 'ml.p4d.24xlarge', 25.91001756],
      ],
    );
    assert.equal(read.entries, 27);
    assert.deepEqual(read.skipped, {
      // Studio, training, hosting, cluster EBS volumes, a reserved lookalike, an EC2 product.
      otherUsage: 6,
      // ml.r7i.8xlarge: HyperPod sells it, but there is no specification to split its price.
      unknownInstanceType: 1,
      // Reserved terms only; a $0 placeholder.
      noOnDemandPrice: 2,
      // ml.p4de.24xlarge listed at two prices on the same day.
      conflicting: 2,
      // Cut-off JSON, a number, no attributes, a non-numeric price, an unknown Region code, a Region
      // code that contradicts regionCode, an instanceType that contradicts the usage type.
      malformed: 7,
    });
    assert.equal(read.morePages, false);
  });

  it('labels each price with its SKU, usage type, effective date and catalogue date', () => {
    const g5 = hyperpodPricesFromPriceList(doc, 'fixture').prices.find((p) => p.region === 'us-east-1' && p.instanceType === 'ml.g5.8xlarge');
    assert.deepEqual(g5, {
      instanceType: 'ml.g5.8xlarge',
      region: 'us-east-1',
      pricePerHour: 3.06,
      currency: 'USD',
      source: 'price-list',
      reference: 'AWS Price List, AmazonSageMaker SKU YQXD4PZ3BTQ5N2P4, usage type USE1-Cluster:ml.g5.8xlarge, effective 2026-09-01',
      asOf: '2026-09-15',
    });
  });

  it('reads items already decoded to objects (as after jq fromjson) the same way', () => {
    const decoded = { PriceList: [JSON.parse(item('USW2-Cluster:ml.p5.48xlarge', '45.5'))] };
    assert.deepEqual(
      hyperpodPricesFromPriceList(decoded, 'decoded').prices.map((p) => [p.region, p.instanceType, p.pricePerHour]),
      [['us-west-2', 'ml.p5.48xlarge', 45.5]],
    );
  });

  it('uses the latest effective date whatever the order, and drops only a same-day contradiction', () => {
    const old1 = item('USE1-Cluster:ml.g5.xlarge', '1.1', { effectiveDate: '2026-01-01T00:00:00Z' });
    const old2 = item('USE1-Cluster:ml.g5.xlarge', '1.2', { effectiveDate: '2026-01-01T00:00:00Z' });
    const newer = item('USE1-Cluster:ml.g5.xlarge', '1.3', { effectiveDate: '2026-09-01T00:00:00Z' });
    for (const order of [[old1, old2, newer], [newer, old1, old2], [old1, newer, old2]]) {
      const read = hyperpodPricesFromPriceList({ PriceList: order }, 'dates');
      assert.deepEqual(read.prices.map((p) => p.pricePerHour), [1.3]);
      assert.equal(read.skipped.conflicting, 0);
    }
    const sameDay = hyperpodPricesFromPriceList({ PriceList: [newer, item('USE1-Cluster:ml.g5.xlarge', '1.4', { effectiveDate: '2026-09-01T00:00:00Z' }), old1] }, 'same day');
    assert.deepEqual(sameDay.prices, []);
    assert.equal(sameDay.skipped.conflicting, 3);
  });

  it('takes the Region from regionCode when the usage type has a code it does not know', () => {
    const read = hyperpodPricesFromPriceList({ PriceList: [item('ZZZ1-Cluster:ml.g5.xlarge', '1.25', { regionCode: 'xx-newplace-1' })] }, 'new');
    assert.deepEqual(read.prices.map((p) => [p.region, p.instanceType]), [['xx-newplace-1', 'ml.g5.xlarge']]);
  });

  it('logs one line per file, with the counts, and warns when the file has nothing for the region', () => {
    const ok = capture();
    const prices = loadPriceList(fixture, 'us-east-1', ok.log);
    assert.equal(prices.length, 8, 'every region is returned; effectivePrices picks one');
    assert.equal(ok.lines.length, 1);
    const line = JSON.parse(ok.lines[0] ?? '{}') as Record<string, unknown>;
    assert.equal(line.level, 'info');
    assert.deepEqual(
      [line.file, line.entries, line.hyperpodPrices, line.forRegion, line.otherUsage, line.unknownInstanceType, line.noOnDemandPrice, line.conflicting, line.malformed],
      ['get-products-sagemaker.json', 27, 8, 6, 6, 1, 2, 2, 7],
    );

    const none = capture();
    loadPriceList(fixture, 'ap-northeast-1', none.log);
    assert.equal(none.lines.length, 1);
    assert.match(none.lines[0] ?? '', /"level":"warn".*no HyperPod prices for ap-northeast-1/);
  });

  it('warns that prices may be missing when the file is one page of several', () => {
    const page = writeJson('page.json', { FormatVersion: 'aws_v1', NextToken: 'abc==:def', PriceList: [item('USE1-Cluster:ml.g5.xlarge', '1.4')] });
    const out = capture();
    assert.equal(loadPriceList(page, 'us-east-1', out.log).length, 1);
    assert.equal(out.lines.length, 1);
    assert.match(out.lines[0] ?? '', /"level":"warn".*one page of several.*"morePages":true/);
  });

  it('refuses, in one line, a file that is not a get-products answer', () => {
    const cases: Array<[string, string, RegExp]> = [
      ['missing', join(root, 'nope.json'), /price list .*nope\.json: ENOENT/],
      ['not JSON', writeJson('broken.json', '{"PriceList": ['), /price list .*broken\.json: .*JSON/],
      ['no PriceList', writeJson('other.json', { Services: [] }), /expected a PriceList array/],
      ['bulk offer file', writeJson('index.json', { offerCode: 'AmazonSageMaker', products: {}, terms: {} }), /bulk offer file \(index\.json\)/],
      ['unknown format', writeJson('v9.json', { FormatVersion: 'aws_v9', PriceList: [] }), /unknown FormatVersion "aws_v9"/],
      ['an array', writeJson('array.json', []), /expected the JSON output of aws pricing get-products/],
    ];
    for (const [what, path, message] of cases) {
      assert.throws(
        () => loadPriceList(path, 'us-east-1', capture().log),
        (e: unknown) => e instanceof ConfigError && message.test(e.message) && !e.message.includes('\n'),
        what,
      );
    }
  });
});

describe('hpu aggregate --price-list', () => {
  it('writes the price table from the list, with a --price flag winning over the list', async () => {
    const dataDir = join(root, 'data');
    const run = spawnSync(
      process.execPath,
      ['--conditions=development', '--import', 'tsx', cli, 'aggregate', '--data', dataDir, '--days', '1',
        '--price-list', fixture, '--price', 'ml.p5.48xlarge=41.5', '--price-region', 'us-east-1'],
      { encoding: 'utf8', timeout: 120_000, env: { ...process.env, LOG_FORMAT: 'json' } },
    );
    assert.equal(run.status, 0, run.stderr);
    assert.match(run.stderr, /"msg":"price list read".*"forRegion":6/);
    assert.match(run.stdout, /6 price\(s\) for us-east-1/);

    const dir = join(dataDir, 'reference', 'prices');
    const files = readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.parquet'));
    assert.equal(files.length, 1, `one prices file in ${dir}`);
    const engine = await DuckDbEngine.open(root);
    try {
      const { rows } = await engine.query(
        `SELECT instance_type, region, price_per_hour, unit_resource, unit_price_per_hour, split_part(source, ':', 1) AS source
           FROM read_parquet(${sqlString(join(dir, files[0] ?? ''))}) ORDER BY instance_type`,
      );
      assert.deepEqual(
        rows.map((r) => [r.instance_type, r.region, r.price_per_hour, r.unit_resource, r.unit_price_per_hour, r.source]),
        [
          ['ml.c5.xlarge', 'us-east-1', 0.2, 'cpu', 0.05, 'price-list'],
          ['ml.g5.8xlarge', 'us-east-1', 3.06, 'gpu', 3.06, 'price-list'],
          ['ml.g6e.xlarge', 'us-east-1', 1.8, 'gpu', 1.8, 'price-list'],
          ['ml.m5.xlarge', 'us-east-1', 0.24, 'cpu', 0.06, 'price-list'],
          ['ml.p5.48xlarge', 'us-east-1', 41.5, 'gpu', 5.1875, 'override'],
          ['ml.trn1.32xlarge', 'us-east-1', 16, 'neuron_device', 1, 'price-list'],
        ],
      );
    } finally {
      await engine.close();
    }
  });
});
