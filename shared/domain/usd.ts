/**
 * Dollars as Intl.NumberFormat('en-US', { style: 'currency', currency: 'USD' }) writes them, by
 * hand: building the first Intl.NumberFormat loads ICU data, 15-25 ms of the cold start of every
 * function whose module graph reaches a formatter built at import (the scaler's did).
 */

/** The shortest decimal that reads back as `abs` (what String() prints), as integer and fraction digits. */
function decimalDigits(abs: number): { int: string; frac: string } {
  const text = String(abs);
  const exp = /^(\d+)(?:\.(\d+))?e([+-]\d+)$/.exec(text);
  if (!exp) {
    const [int = '0', frac = ''] = text.split('.');
    return { int, frac };
  }
  const digits = exp[1]! + (exp[2] ?? '');
  const point = exp[1]!.length + Number(exp[3]);
  if (point >= digits.length) return { int: digits + '0'.repeat(point - digits.length), frac: '' };
  if (point <= 0) return { int: '0', frac: '0'.repeat(-point) + digits };
  return { int: digits.slice(0, point), frac: digits.slice(point) };
}

/** `abs` rounded half away from zero to `places` decimals, on its shortest decimal form, as ICU rounds. */
function fixed(abs: number, places: number): string {
  const { int, frac } = decimalDigits(abs);
  const kept = BigInt(int + frac.slice(0, places).padEnd(places, '0'));
  const rounded = (frac[places] ?? '0') >= '5' ? kept + 1n : kept;
  const text = rounded.toString().padStart(places + 1, '0');
  const whole = text.slice(0, text.length - places).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return places === 0 ? whole : `${whole}.${text.slice(text.length - places)}`;
}

/** Money in words: "$9,870" from $100 up, "$12.34" below; negatives (and -0) as "-$5.00". */
export function formatUSD(n: number): string {
  if (Number.isNaN(n)) return '$NaN';
  const sign = n < 0 || Object.is(n, -0) ? '-' : '';
  const abs = Math.abs(n);
  if (!Number.isFinite(abs)) return `${sign}$∞`;
  return `${sign}$${fixed(abs, abs >= 100 ? 0 : 2)}`;
}
