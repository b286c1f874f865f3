import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { LocalDeadLetter } from '#adapters/local/local-dead-letter.ts';

let dir: string | undefined;
afterEach(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

it('appends each parked item as a JSON line and keeps it in memory', async () => {
  dir = await mkdtemp(join(tmpdir(), 'hms-dlq-'));
  const dataDir = join(dir, 'nested');
  const deadLetter = new LocalDeadLetter({ dataDir, clock: { now: () => new Date('2026-03-01T12:00:00.000Z') } });

  await deadLetter.park({ source: 'scaler', reason: 'cluster down', payload: { ruleId: 'AR-101' } });
  await deadLetter.park({ source: 'sweeper', reason: 'timeout', payload: undefined });

  const lines = (await readFile(join(dataDir, 'dead-letter.jsonl'), 'utf8'))
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
  expect(lines).toEqual([
    { source: 'scaler', reason: 'cluster down', payload: { ruleId: 'AR-101' }, parkedAt: '2026-03-01T12:00:00.000Z' },
    { source: 'sweeper', reason: 'timeout', payload: null, parkedAt: '2026-03-01T12:00:00.000Z' },
  ]);
  expect(deadLetter.items()).toEqual(lines);
});
