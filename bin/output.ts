export type OutputFormat = 'json' | 'table';

/** Fields whose value is a price per pod-hour: a fraction of a cent matters, so six significant digits. */
const RATE_FIELDS = new Set(['podHourUSD']);
const isMoneyField = (key: string) => key.endsWith('USD');

/** Money fields rounded: amounts to cents, rates to six significant digits, so float noise never shows. */
export function roundMoney(value: unknown, key = ''): unknown {
  if (typeof value === 'number' && isMoneyField(key) && Number.isFinite(value)) {
    return RATE_FIELDS.has(key) ? Number(value.toPrecision(6)) : Math.round(value * 100) / 100;
  }
  if (Array.isArray(value)) return value.map((v) => roundMoney(v, key));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, roundMoney(v, k)]));
  }
  return value;
}

/** Prints rows as aligned columns, or the value as JSON; money is rounded either way. */
export function print(value: unknown, format: OutputFormat, columns?: string[]): void {
  const rounded = roundMoney(value);
  if (format === 'json' || !columns) {
    console.log(JSON.stringify(rounded, null, 2));
    return;
  }
  const rows = (Array.isArray(rounded) ? rounded : [rounded]) as Record<string, unknown>[];
  const table = [columns, ...rows.map((row) => columns.map((c) => cellText(pick(row, c), c)))];
  const widths = columns.map((_, i) => Math.max(...table.map((r) => r[i]!.length)));
  for (const r of table)
    console.log(
      r
        .map((v, i) => v.padEnd(widths[i]!))
        .join('  ')
        .trimEnd(),
    );
}

/** One table cell: "-" for nothing, money in dollars, other numbers without float noise (0.12, not 0.12000000000000001), lists joined. */
function cellText(value: unknown, column: string): string {
  if (value === undefined || value === null) return '-';
  const field = column.split('.').at(-1) ?? column;
  if (typeof value === 'number') {
    if (!isMoneyField(field)) return String(Number(value.toPrecision(12)));
    return RATE_FIELDS.has(field) ? String(value) : String(money(value));
  }
  if (Array.isArray(value) && value.every((item) => typeof item !== 'object')) return value.length ? value.join(', ') : '-';
  return typeof value === 'object' ? JSON.stringify(value) : String(value);
}

/**
 * The answer of a write in the chosen format. In a table, a dry run says that nothing changed and
 * shows what would be written; a delete is one line; anything else is a row.
 */
export function printResult(value: unknown, format: OutputFormat, columns: string[]): void {
  if (format === 'json' || value === null || typeof value !== 'object') {
    print(value, 'json');
    return;
  }
  const answer = value as Record<string, unknown>;
  if (answer.dryRun === true) {
    const key = Object.keys(answer).find((k) => /^would[A-Z]/.test(k));
    console.log(`dry run, nothing changed: it would ${key ? key.slice('would'.length).toLowerCase() : 'do'} this`);
    print(key ? answer[key] : answer, 'table', columns);
    printExtras(answer, ['dryRun', ...(key ? [key] : [])]);
    return;
  }
  if (typeof answer.deleted === 'string') {
    console.log(`deleted ${answer.deleted}`);
    printExtras(answer, ['deleted']);
    return;
  }
  print(answer, 'table', columns);
}

/** The other fields of an answer, a line each: lists by name, objects as "key value" pairs. */
function printExtras(answer: Record<string, unknown>, shown: string[]): void {
  const extras = Object.entries(roundMoney(answer) as Record<string, unknown>).filter(([k]) => !shown.includes(k));
  for (const [key, value] of extras) console.log(`${key}: ${summary(value)}`);
}

function summary(value: unknown): string {
  if (Array.isArray(value)) {
    if (value.length === 0) return '-';
    return value.map((v) => (v !== null && typeof v === 'object' && 'name' in v ? String(v.name) : summary(v))).join(', ');
  }
  if (value !== null && typeof value === 'object')
    return Object.entries(value)
      .map(([k, v]) => `${k} ${summary(v)}`)
      .join(', ');
  return value === null || value === undefined ? '-' : String(value);
}

function pick(row: Record<string, unknown>, path: string): unknown {
  return path.split('.').reduce<unknown>((v, key) => (v && typeof v === 'object' ? (v as Record<string, unknown>)[key] : undefined), row);
}

/** Dollars for a table cell: two decimals with thousands separators, e.g. 10,000.00. */
export function money(value: unknown): unknown {
  return typeof value === 'number' ? value.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 }) : value;
}

/** A copy of a row with the named money fields formatted for a table. */
export function withMoney<T extends Record<string, unknown>>(row: T, fields: readonly string[]): T {
  return { ...row, ...Object.fromEntries(fields.filter((f) => f in row).map((f) => [f, money(row[f])])) };
}
