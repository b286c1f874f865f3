export type OutputFormat = 'json' | 'table';

/** Prints rows as aligned columns, or the raw value as JSON. */
export function print(value: unknown, format: OutputFormat, columns?: string[]): void {
  if (format === 'json' || !columns) {
    console.log(JSON.stringify(value, null, 2));
    return;
  }
  const rows = (Array.isArray(value) ? value : [value]) as Record<string, unknown>[];
  const cell = (v: unknown) => (v === undefined || v === null ? '-' : typeof v === 'object' ? JSON.stringify(v) : String(v));
  const table = [columns, ...rows.map((row) => columns.map((c) => cell(pick(row, c))))];
  const widths = columns.map((_, i) => Math.max(...table.map((r) => r[i]!.length)));
  for (const r of table) console.log(r.map((v, i) => v.padEnd(widths[i]!)).join('  ').trimEnd());
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
