import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { dirname } from 'node:path';

/** A target a figure is held to; figures without one are context for the reader. */
export interface Target {
  max?: number;
  min?: number;
  unit: string;
}

export interface Figure {
  name: string;
  value: number;
  unit: string;
  target?: Target;
  /** Anything a reader needs beside the number: samples, ratios, top packages. */
  details?: Record<string, unknown>;
}

export interface Results {
  machine: { node: string; cpus: number; cpuModel: string; loadavg: number[] };
  when: string;
  figures: (Figure & { ok: boolean | null })[];
  parameters: Record<string, unknown>;
}

export const passes = (figure: Figure): boolean | null =>
  figure.target
    ? (figure.target.max === undefined || figure.value <= figure.target.max) && (figure.target.min === undefined || figure.value >= figure.target.min)
    : null;

const describeTarget = (target: Target) =>
  [
    ...(target.min === undefined ? [] : [`≥ ${formatValue(target.min, target.unit)}`]),
    ...(target.max === undefined ? [] : [`≤ ${formatValue(target.max, target.unit)}`]),
  ].join(', ');

export function collectResults(figures: Figure[], parameters: Record<string, unknown>, startLoad: number[]): Results {
  return {
    machine: {
      node: process.version,
      cpus: cpus().length,
      cpuModel: cpus()[0]?.model ?? 'unknown',
      loadavg: loadavg().map((l) => Number(l.toFixed(2))),
    },
    when: new Date().toISOString(),
    figures: figures.map((f) => ({ ...f, ok: passes(f) })),
    parameters: { ...parameters, loadavgAtStart: startLoad.map((l) => Number(l.toFixed(2))) },
  };
}

const formatValue = (value: number, unit: string) => `${value.toLocaleString('en-US', { maximumFractionDigits: 2 })} ${unit}`;

/** The `figure | value | target | ok` table; a missed target reads MISSED. */
export function renderTable(results: Results): string {
  const rows = results.figures.map((f) => [
    f.name,
    formatValue(f.value, f.unit),
    f.target ? describeTarget(f.target) : '—',
    f.ok === null ? '—' : f.ok ? 'ok' : 'MISSED',
  ]);
  const header = ['figure', 'value', 'target', 'ok'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 1 ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join(' | ');
  return [line(header), widths.map((w) => '-'.repeat(w)).join('-|-'), ...rows.map(line)].join('\n');
}

export function writeResults(path: string, results: Results): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, `${JSON.stringify(results, null, 2)}\n`);
}
