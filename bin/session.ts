import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

/** What `hms-sys dev` leaves for the other commands: where the sandbox listens and its tokens. */
export interface SandboxSession {
  url: string;
  k8sUrl: string;
  k8sToken: string;
  /** Base64 PEM of the sandbox CA that signed the simulator's certificate. */
  k8sCaData?: string;
  /** The kubeconfig the sandbox wrote for kubectl. */
  kubeconfig?: string;
  tokens: Record<string, string>;
  /** The local S3 server (path-style) and the audit archive bucket on it. */
  s3Endpoint?: string;
  auditBucket?: string;
  /** The local mesh data plane: its forward proxy (curl --proxy) and its Prometheus metrics URL. */
  meshProxy?: string;
  meshMetrics?: string;
  pid: number;
}

export const defaultDataDir = () => resolve(process.env.HMS_DATA_DIR ?? '.hms-sys');

export const sessionFile = (dataDir: string) => join(dataDir, 'sandbox.json');

/** A sandbox.json whose process has exited: a sandbox that was killed, or lost power, before it could remove it. */
export class SandboxNotRunningError extends Error {
  constructor(
    readonly file: string,
    readonly pid: number,
  ) {
    super(`the sandbox is not running: start it with npm start (${file} was left by process ${pid}, which has exited)`);
    this.name = 'SandboxNotRunningError';
  }
}

export function writeSession(dataDir: string, session: SandboxSession): void {
  mkdirSync(dataDir, { recursive: true });
  writeFileSync(sessionFile(dataDir), JSON.stringify(session, null, 2), { mode: 0o600 });
}

export function readSession(dataDir: string): SandboxSession | null {
  const file = sessionFile(dataDir);
  return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as SandboxSession) : null;
}

/** Removes sandbox.json if it is this process's own, so a sandbox stopping never removes another's. */
export function removeOwnSession(dataDir: string, pid = process.pid): void {
  try {
    if (readSession(dataDir)?.pid === pid) rmSync(sessionFile(dataDir), { force: true });
  } catch {
    // An unreadable file is not ours to judge; leave it.
  }
}

/** Whether a process with this id exists (signal 0 checks without sending anything; EPERM: it exists, owned by another user). */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The session of the sandbox running on this data folder; null when none started here; throws when its file outlived it. */
export function runningSession(dataDir: string): SandboxSession | null {
  const session = readSession(dataDir);
  if (session && !processAlive(session.pid)) throw new SandboxNotRunningError(sessionFile(dataDir), session.pid);
  return session;
}
