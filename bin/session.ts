import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
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
  pid: number;
}

export const defaultDataDir = () => resolve(process.env.HMS_DATA_DIR ?? '.hms-sys');

const sessionFile = (dataDir: string) => join(dataDir, 'sandbox.json');

export function writeSession(dataDir: string, session: SandboxSession): void {
  mkdirSync(dataDir, { recursive: true });
  writeFileSync(sessionFile(dataDir), JSON.stringify(session, null, 2), { mode: 0o600 });
}

export function readSession(dataDir: string): SandboxSession | null {
  const file = sessionFile(dataDir);
  return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as SandboxSession) : null;
}
