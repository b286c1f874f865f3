import { rmSync } from 'node:fs';
import { processAlive, readSession, removeOwnSession, sessionFile } from './session.ts';

/** Signals that stop the sandbox: Ctrl-C, a service manager's stop, a closed terminal. */
const STOP_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
/**
 * A terminal's Ctrl-C reaches npm, tsx and this process at once, and npm and tsx each pass it on:
 * one keypress arrives two or three times. Repeats this soon after the first are that one press.
 */
const REPEAT_WINDOW_MS = 1_000;

/**
 * Before a sandbox starts on the data folder: refuses if another is running there, and removes
 * a sandbox.json left by one that exited without removing it (kill -9, a power cut). From here
 * on, this process removes its own sandbox.json however it ends, `exit` being the last resort.
 */
export function claimDataDir(dataDir: string): void {
  const existing = readSession(dataDir);
  if (existing && existing.pid !== process.pid) {
    if (processAlive(existing.pid)) {
      throw new Error(`a sandbox is already running on ${dataDir} (process ${existing.pid}, ${existing.url}): stop it first, or use another --data-dir`);
    }
    rmSync(sessionFile(dataDir), { force: true });
  }
  process.on('exit', () => removeOwnSession(dataDir));
}

/**
 * Stops the sandbox once on SIGINT, SIGTERM or SIGHUP: closes it, removes sandbox.json and exits
 * 0, or 1 if closing failed. A signal well after the first (a second Ctrl-C while it closes)
 * stops at once, still removing sandbox.json, with 130 as an interrupted process does.
 */
export function stopOnSignals(dataDir: string, close: () => Promise<void>): void {
  let firstAt: number | undefined;
  const stop = (signal: NodeJS.Signals) => {
    if (firstAt !== undefined) {
      if (Date.now() - firstAt < REPEAT_WINDOW_MS) return;
      console.error(`hms-sys: ${signal} again: stopping without waiting for the sandbox to close`);
      removeOwnSession(dataDir);
      process.exit(130);
    }
    firstAt = Date.now();
    console.error(`hms-sys: ${signal}: stopping the sandbox`);
    close().then(
      () => {
        removeOwnSession(dataDir);
        process.exit(0);
      },
      (err: Error) => {
        console.error(`hms-sys: the sandbox did not close cleanly: ${err.message}`);
        removeOwnSession(dataDir);
        process.exit(1);
      },
    );
  };
  // process.on, not once: a repeated signal with no listener left would end the process at once.
  for (const signal of STOP_SIGNALS) process.on(signal, stop);
}
