/**
 * Kubernetes resource quantities ("100m", "1.5Gi", "2", 9) read exactly.
 *
 * Sums are kept in integer milli-units (bigint) so CPU millicores and byte counts add without
 * rounding; only the final value becomes a number. Kubernetes rounds sub-milli precision up, and so do we.
 */
const QUANTITY = /^([+-]?)(\d+(?:\.\d*)?|\.\d+)(?:([eE][+-]?\d+)|(Ki|Mi|Gi|Ti|Pi|Ei|[numkMGTPE]))?$/;
const BINARY_SHIFT: Record<string, number> = { Ki: 10, Mi: 20, Gi: 30, Ti: 40, Pi: 50, Ei: 60 };
const DECIMAL_EXPONENT: Record<string, number> = { n: -9, u: -6, m: -3, k: 3, M: 6, G: 9, T: 12, P: 15, E: 18 };
/** Beyond this exponent a value is nonsense for any resource we count (and would make huge bigints). */
const MAX_EXPONENT = 40;
/** Longer digit strings are never a real amount (a 200,000-digit one once became Infinity). */
const MAX_DIGITS = 40;
/**
 * Largest amount accepted, in milli-units: Kubernetes' own int64 range (about 9.2e15 units: 8 PiB
 * of memory, 9 quadrillion cores). Anything larger is a broken object, not a cluster.
 */
const MAX_MILLI = 2n ** 63n - 1n;

export class QuantityError extends Error {}

/**
 * Quantity in milli-units; throws QuantityError on anything Kubernetes would reject and on what no
 * resource amount can be: negative, longer than 40 digits, or beyond the int64 milli-unit range.
 */
export function parseQuantityMilli(value: unknown): bigint {
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new QuantityError(`invalid quantity ${String(value)}`);
    value = String(value);
  }
  if (typeof value !== 'string') throw new QuantityError(`invalid quantity ${JSON.stringify(value)}`);
  const match = QUANTITY.exec(value.trim());
  if (!match) throw new QuantityError(`invalid quantity ${JSON.stringify(value.slice(0, 64))}`);
  const [, sign, digits = '', exponent, suffix] = match;
  if (digits.length > MAX_DIGITS) throw new QuantityError(`quantity has more than ${MAX_DIGITS} digits`);
  const [integerPart = '', fractionPart = ''] = digits.split('.');
  let numerator = BigInt((integerPart || '0') + fractionPart);
  let pow10 = 3 - fractionPart.length;
  if (exponent) pow10 += Number(exponent.slice(1));
  else if (suffix && suffix in BINARY_SHIFT) numerator <<= BigInt(BINARY_SHIFT[suffix] ?? 0);
  else if (suffix) pow10 += DECIMAL_EXPONENT[suffix] ?? 0;
  if (Math.abs(pow10) > MAX_EXPONENT) throw new QuantityError(`quantity out of range ${JSON.stringify(value.slice(0, 64))}`);
  let denominator = 1n;
  if (pow10 >= 0) numerator *= 10n ** BigInt(pow10);
  else denominator = 10n ** BigInt(-pow10);
  const milli = (numerator + denominator - 1n) / denominator;
  if (sign === '-' && milli !== 0n) throw new QuantityError(`negative quantity ${JSON.stringify(value.slice(0, 64))}`);
  if (milli > MAX_MILLI) throw new QuantityError(`quantity out of range ${JSON.stringify(value.slice(0, 64))}`);
  return milli;
}

/** Milli-units to a plain number in base units (cores, bytes, devices). */
export function milliToNumber(milli: bigint): number {
  const whole = milli / 1000n;
  const frac = milli % 1000n;
  return Number(whole) + Number(frac) / 1000;
}

export function parseQuantity(value: unknown): number {
  return milliToNumber(parseQuantityMilli(value));
}
