// Exact decimal handling for costs. Costs are stored as numeric(20, 10); they
// travel as decimal strings end to end so no binary float ever rounds them.

/** Plain decimal text: digits, optional fraction, no sign, no exponent. */
const PLAIN_RE = /^(\d+)(?:\.(\d+))?$/;

/**
 * The shortest text that round-trips a JS number (what JSON.stringify writes),
 * turned into plain decimal notation: 1e-7 -> "0.0000001". A number the client
 * sent is already a float; this keeps exactly the digits it meant.
 */
export function numberToDecimal(n: number): string {
  const text = String(n);
  const m = /^(\d+)(?:\.(\d+))?e([+-]\d+)$/.exec(text);
  if (!m) return text;
  const digits = m[1]! + (m[2] ?? '');
  const exp = Number(m[3]) - (m[2]?.length ?? 0);
  if (exp >= 0) return digits + '0'.repeat(exp);
  const pad = digits.padStart(-exp + 1, '0');
  return `${pad.slice(0, exp)}.${pad.slice(exp)}`;
}

export function isPlainDecimal(s: string): boolean {
  return PLAIN_RE.test(s);
}

/** Sum of two plain decimals, exactly (BigInt on the common scale). */
export function addDecimals(a: string, b: string): string {
  const [ai, af = ''] = a.split('.');
  const [bi, bf = ''] = b.split('.');
  const scale = Math.max(af.length, bf.length);
  const sum = BigInt(ai! + af.padEnd(scale, '0')) + BigInt(bi! + bf.padEnd(scale, '0'));
  return formatScaled(sum, scale);
}

/** Formats an integer count of 10^-scale units as a plain decimal. */
export function formatScaled(units: bigint | number, scale: number): string {
  const s = units.toString().padStart(scale + 1, '0');
  if (scale === 0) return s;
  return `${s.slice(0, -scale)}.${s.slice(-scale)}`;
}

/**
 * price * count / 10^shift, exactly: a per-1M-token price times a token count
 * (shift 6) is a cost. Trailing zeros of the fraction are dropped.
 */
export function scaleDecimal(price: string, count: number, shift: number): string {
  const [i, f = ''] = price.split('.');
  const units = BigInt(i! + f) * BigInt(count);
  return trimDecimal(formatScaled(units, f.length + shift));
}

/** Drops trailing zeros of the fraction: "0.0250" -> "0.025", "3.000" -> "3". */
export function trimDecimal(s: string): string {
  return s.includes('.') ? s.replace(/\.?0+$/, '') : s;
}
