import { appendFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { type Clock, systemClock } from '#ports/clock.ts';
import type { DeadLetter } from '#ports/dead-letter.ts';

export interface ParkedItem {
  source: string;
  reason: string;
  payload: unknown;
  parkedAt: string;
}

export const DEAD_LETTER_FILE = 'dead-letter.jsonl';

/**
 * The sandbox's dead-letter queue: each parked item is appended as one JSON line to
 * <dataDir>/dead-letter.jsonl, so it outlives the process, and kept in memory for inspection.
 */
export class LocalDeadLetter implements DeadLetter {
  readonly file: string;
  readonly #dataDir: string;
  readonly #clock: Clock;
  readonly #items: ParkedItem[] = [];

  constructor(options: { dataDir: string; clock?: Clock }) {
    this.#dataDir = options.dataDir;
    this.file = join(options.dataDir, DEAD_LETTER_FILE);
    this.#clock = options.clock ?? systemClock;
  }

  async park(item: { source: string; reason: string; payload: unknown }): Promise<void> {
    const parked: ParkedItem = {
      source: item.source,
      reason: item.reason,
      payload: item.payload ?? null,
      parkedAt: this.#clock.now().toISOString(),
    };
    await mkdir(this.#dataDir, { recursive: true });
    await appendFile(this.file, `${JSON.stringify(parked)}\n`, 'utf8');
    this.#items.push(parked);
  }

  /** What this process has parked, oldest first. */
  items(): ParkedItem[] {
    return this.#items.map((item) => structuredClone(item));
  }
}
