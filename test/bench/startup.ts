import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { REPO_ROOT } from '#infra/lambda-bundling.ts';
import type { Figure } from './report.ts';
import { median, round } from './stats.ts';

export const STARTUP_LIMIT_MS = 5_000;
const GIVE_UP_MS = 60_000;
const POLL_EVERY_MS = 20;
const READY_LINE = /hms-sys sandbox ready in (\d+) ms/;

export interface StartupSample {
  /** Spawn of `npm start` to the first HTTP answer from the API. */
  firstAnswerMs: number;
  /** What the CLI prints: startSandbox alone, without npm, tsx and module loading. */
  reportedMs: number | null;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** Any HTTP answer counts: without a token /openapi.json answers 401 once the server is up. */
async function answers(url: string): Promise<boolean> {
  try {
    await (await fetch(url, { signal: AbortSignal.timeout(1_000) })).arrayBuffer();
    return true;
  } catch {
    return false;
  }
}

/** Stops the whole process group (npm, tsx, node) and waits for npm to exit. */
async function stopGroup(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const signal = (name: NodeJS.Signals) => {
    try {
      process.kill(-child.pid!, name);
    } catch {
      // The group is already gone.
    }
  };
  signal('SIGTERM');
  const timer = setTimeout(() => signal('SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
  signal('SIGKILL'); // whatever npm left behind in the group
}

async function startOnce(): Promise<StartupSample> {
  const port = await freePort();
  const dataDir = mkdtempSync(join(tmpdir(), 'hms-sys-bench-start-'));
  const started = performance.now();
  const child = spawn('npm', ['start', '--', '--port', String(port)], {
    cwd: REPO_ROOT,
    env: { ...process.env, HMS_DATA_DIR: dataDir },
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  try {
    const url = `http://127.0.0.1:${port}/openapi.json`;
    while (!(await answers(url))) {
      if (child.exitCode !== null) throw new Error(`npm start exited with ${child.exitCode}:\n${output}`);
      if (performance.now() - started > GIVE_UP_MS) throw new Error(`the sandbox did not answer within ${GIVE_UP_MS} ms:\n${output}`);
      await sleep(POLL_EVERY_MS);
    }
    const firstAnswerMs = performance.now() - started;
    // The server listens a moment before the CLI prints its own figure.
    for (let waited = 0; !READY_LINE.test(output) && waited < 5_000; waited += POLL_EVERY_MS) await sleep(POLL_EVERY_MS);
    const reported = READY_LINE.exec(output)?.[1];
    return { firstAnswerMs, reportedMs: reported === undefined ? null : Number(reported) };
  } finally {
    await stopGroup(child);
    rmSync(dataDir, { recursive: true, force: true });
  }
}

export async function measureStartup(runs: number): Promise<StartupSample[]> {
  const samples: StartupSample[] = [];
  for (let i = 0; i < runs; i += 1) samples.push(await startOnce());
  return samples;
}

export function startupFigures(samples: StartupSample[]): Figure[] {
  const firstAnswers = samples.map((s) => s.firstAnswerMs);
  const reported = samples.flatMap((s) => (s.reportedMs === null ? [] : [s.reportedMs]));
  const figures: Figure[] = [
    {
      name: 'sandbox start-up (npm start → first answer)',
      value: Math.round(median(firstAnswers)),
      unit: 'ms',
      target: { max: STARTUP_LIMIT_MS, unit: 'ms' },
      details: { samples: firstAnswers.map((v) => Math.round(v)) },
    },
  ];
  if (reported.length > 0) {
    figures.push({ name: 'sandbox ready, as the CLI prints it', value: round(median(reported), 0), unit: 'ms', details: { samples: reported } });
  }
  return figures;
}
