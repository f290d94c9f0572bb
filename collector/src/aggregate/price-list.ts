/**
 * HyperPod on-demand prices from the AWS Price List Query API, as `aws pricing get-products
 * --service-code AmazonSageMaker` prints it: `{ FormatVersion, NextToken?, PriceList: [...] }`, where
 * each PriceList item is a product serialised as a JSON string (`product.attributes`, `terms.OnDemand`).
 *
 * Only HyperPod cluster usage counts: usage type `<REGION>-Cluster:ml.<type>`, the one the bill and
 * the Cost and Usage Report use. Studio, training, hosting, cluster EBS volumes and every other
 * SageMaker usage type are left out, as are entries that cannot be read; each is counted, and a file
 * yields one log line with the counts.
 */
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { instanceSpec, regionOfBillingCode, type InstancePrice } from '@hyperpod-usage/model';
import { ConfigError } from '../config.js';
import type { Logger } from '../log.js';

export type PriceListSkip = 'otherUsage' | 'unknownInstanceType' | 'noOnDemandPrice' | 'conflicting' | 'malformed';

export interface PriceListPrices {
  /** HyperPod prices for every region the list covers (pick one with effectivePrices). */
  prices: InstancePrice[];
  entries: number;
  skipped: Record<PriceListSkip, number>;
  /** The file is one page of a longer answer (NextToken set): some products are missing. */
  morePages: boolean;
}

/** `USE1-Cluster:ml.p5.48xlarge`; the Region code is optional, as in some us-east-1 usage types. */
const CLUSTER_USAGE_TYPE = /^(?:([A-Z]{2,4}\d?)-)?Cluster:(ml\.[a-z0-9][a-z0-9.-]*)$/;
const REGION = /^[a-z]{2}(-[a-z]+)+-\d$/;
const HOURLY_UNIT = /^(hrs|hours?)$/i;
const DECIMAL = /^\d+(\.\d+)?$/;

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const text = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);
const dateOf = (v: unknown): string | undefined => {
  const s = text(v)?.slice(0, 10);
  return s && /^\d{4}-\d\d-\d\d$/.test(s) ? s : undefined;
};

interface ListedPrice {
  price: InstancePrice;
  /** The on-demand term's effectiveDate, as given (ISO 8601), for choosing between two listings. */
  effective: string;
}

type Entry = { price: ListedPrice } | { skip: PriceListSkip };

/** The one hourly USD on-demand price of a product, or why there is none. */
function onDemandHourlyUsd(terms: unknown): { usd: number; effective: string } | { skip: PriceListSkip } {
  const onDemand = isObject(terms) ? terms.OnDemand : undefined;
  if (onDemand === undefined) return { skip: 'noOnDemandPrice' };
  if (!isObject(onDemand)) return { skip: 'malformed' };
  const found = new Set<number>();
  let effective = '';
  for (const term of Object.values(onDemand)) {
    if (!isObject(term) || !isObject(term.priceDimensions)) return { skip: 'malformed' };
    for (const dimension of Object.values(term.priceDimensions)) {
      if (!isObject(dimension) || !isObject(dimension.pricePerUnit)) return { skip: 'malformed' };
      if (!HOURLY_UNIT.test(String(dimension.unit ?? ''))) continue;
      const usd = dimension.pricePerUnit.USD;
      if (usd === undefined) continue;
      if (typeof usd !== 'string' || !DECIMAL.test(usd)) return { skip: 'malformed' };
      found.add(Number(usd));
      effective = text(term.effectiveDate) ?? effective;
    }
  }
  // Two different hourly prices for one product (tiers, say) leave no single rate to use.
  if (found.size > 1) return { skip: 'malformed' };
  const [usd] = [...found];
  // A $0 listing is a placeholder, not a price: charging nothing would hide real cost.
  if (usd === undefined || usd === 0) return { skip: 'noOnDemandPrice' };
  return { usd, effective };
}

function readEntry(raw: unknown): Entry {
  let entry: unknown = raw;
  if (typeof raw === 'string') {
    try {
      entry = JSON.parse(raw);
    } catch {
      return { skip: 'malformed' };
    }
  }
  if (!isObject(entry) || !isObject(entry.product) || !isObject(entry.product.attributes)) return { skip: 'malformed' };
  const attributes = entry.product.attributes;
  if (entry.serviceCode !== undefined && entry.serviceCode !== 'AmazonSageMaker') return { skip: 'otherUsage' };
  const usageType = text(attributes.usagetype);
  if (!usageType) return { skip: 'malformed' };
  const m = CLUSTER_USAGE_TYPE.exec(usageType);
  if (!m) return { skip: 'otherUsage' };
  const [, code, instanceType = ''] = m;

  // The product's own attributes must agree with its usage type, or the entry is not what it says.
  const listedType = text(attributes.instanceType);
  if (listedType !== undefined && listedType.replace(/-Cluster$/, '') !== instanceType) return { skip: 'malformed' };
  const fromCode = code === undefined ? 'us-east-1' : regionOfBillingCode(code);
  const regionCode = text(attributes.regionCode);
  if (fromCode && regionCode && fromCode !== regionCode) return { skip: 'malformed' };
  const region = regionCode ?? fromCode;
  if (!region || !REGION.test(region)) return { skip: 'malformed' };

  const hourly = onDemandHourlyUsd(entry.terms);
  if ('skip' in hourly) return hourly;
  if (!instanceSpec(instanceType)) return { skip: 'unknownInstanceType' };
  const sku = text(entry.product.sku) ?? 'unknown';
  const effectiveDay = dateOf(hourly.effective);
  return {
    price: {
      effective: hourly.effective,
      price: {
        instanceType,
        region,
        pricePerHour: hourly.usd,
        currency: 'USD',
        source: 'price-list',
        reference: `AWS Price List, AmazonSageMaker SKU ${sku}, usage type ${usageType}${effectiveDay ? `, effective ${effectiveDay}` : ''}`,
        asOf: dateOf(entry.publicationDate) ?? effectiveDay ?? new Date().toISOString().slice(0, 10),
      },
    },
  };
}

/**
 * The HyperPod prices in a parsed get-products answer. Throws a ConfigError when the document is
 * not such an answer at all; single bad entries are skipped and counted.
 */
export function hyperpodPricesFromPriceList(doc: unknown, where: string): PriceListPrices {
  if (!isObject(doc)) throw new ConfigError(`${where}: expected the JSON output of aws pricing get-products (an object with a PriceList array)`);
  if (doc.PriceList === undefined && 'products' in doc && 'terms' in doc) {
    throw new ConfigError(`${where}: this is a bulk offer file (index.json), not the output of aws pricing get-products`);
  }
  if (!Array.isArray(doc.PriceList)) throw new ConfigError(`${where}: expected a PriceList array (the output of aws pricing get-products)`);
  if (doc.FormatVersion !== undefined && doc.FormatVersion !== 'aws_v1') {
    throw new ConfigError(`${where}: unknown FormatVersion ${JSON.stringify(doc.FormatVersion)} (expected aws_v1)`);
  }
  const skipped: Record<PriceListSkip, number> = { otherUsage: 0, unknownInstanceType: 0, noOnDemandPrice: 0, conflicting: 0, malformed: 0 };
  // One listing per instance type and region: the latest effective date's.
  const chosen = new Map<string, { listed: ListedPrice; entries: number; conflict: boolean }>();
  for (const raw of doc.PriceList) {
    const entry = readEntry(raw);
    if ('skip' in entry) {
      skipped[entry.skip] += 1;
      continue;
    }
    const key = `${entry.price.price.region} ${entry.price.price.instanceType}`;
    const current = chosen.get(key);
    if (!current || entry.price.effective > current.listed.effective) {
      chosen.set(key, { listed: entry.price, entries: (current?.entries ?? 0) + 1, conflict: false });
    } else {
      current.entries += 1;
      // An older listing is superseded; one of the same day at another price contradicts it.
      if (entry.price.effective === current.listed.effective && entry.price.price.pricePerHour !== current.listed.price.pricePerHour) {
        current.conflict = true;
      }
    }
  }
  const prices: InstancePrice[] = [];
  for (const { listed, entries, conflict } of chosen.values()) {
    // Two prices for the same product and day: neither can be trusted over the other.
    if (conflict) skipped.conflicting += entries;
    else prices.push(listed.price);
  }
  prices.sort((a, b) => a.region.localeCompare(b.region) || a.instanceType.localeCompare(b.instanceType));
  return { prices, entries: doc.PriceList.length, skipped, morePages: typeof doc.NextToken === 'string' && doc.NextToken !== '' };
}

/** Reads a get-products file and logs, in one line, what it held for `region` and what was skipped. */
export function loadPriceList(path: string, region: string, log: Logger): InstancePrice[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new ConfigError(`price list ${path}: ${(e as Error).message.split('\n')[0]}`);
  }
  return readPriceList(text, path, region, log);
}

/** The same for get-products output already read, e.g. from S3; `source` names it in messages. */
export function readPriceList(text: string, source: string, region: string, log: Logger): InstancePrice[] {
  const where = `price list ${source}`;
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    throw new ConfigError(`${where}: ${(e as Error).message.split('\n')[0]}`);
  }
  const read = hyperpodPricesFromPriceList(doc, where);
  const forRegion = read.prices.filter((p) => p.region === region).length;
  const fields = { file: basename(source), entries: read.entries, hyperpodPrices: read.prices.length, region, forRegion, ...read.skipped, morePages: read.morePages };
  if (forRegion === 0) log.warn(`price list has no HyperPod prices for ${region}`, fields);
  else if (read.morePages) log.warn('price list is one page of several (NextToken set): some instance types may have no price', fields);
  else log.info('price list read', fields);
  return read.prices;
}
