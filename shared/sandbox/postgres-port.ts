import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';

/**
 * The embedded PostgreSQL keeps one port across restarts: the database secrets stored in the
 * sandbox name host and port, as AWS's database secrets do, and a server that moved would leave
 * them pointing at nothing. The port is remembered beside the cluster's data. When it is taken,
 * the start stops and says what to do, rather than moving the server and rewriting the secrets:
 * a real database does not change port under its secrets either.
 */
export const postgresPortFile = (dataDir: string) => join(dataDir, 'postgres-port');

/** The port the sandbox's PostgreSQL had on this data folder; 0 before its first start. */
export function rememberedPostgresPort(dataDir: string): number {
  const file = postgresPortFile(dataDir);
  if (!existsSync(file)) return 0;
  const port = Number(readFileSync(file, 'utf8').trim());
  if (!Number.isInteger(port) || port < 1 || port > 65_535) {
    throw new Error(`${file} holds no port number: remove it, and PostgreSQL takes a free port on the next start`);
  }
  return port;
}

export function rememberPostgresPort(dataDir: string, port: number): void {
  writeFileSync(postgresPortFile(dataDir), `${port}\n`);
}

/** Fails, saying what to do, when the remembered port is taken on 127.0.0.1, where PostgreSQL listens. */
export async function checkPostgresPortFree(dataDir: string, port: number): Promise<void> {
  const inUse = await new Promise<boolean>((resolve, reject) => {
    const probe = createServer();
    probe.once('error', (err: NodeJS.ErrnoException) => (err.code === 'EADDRINUSE' ? resolve(true) : reject(err)));
    probe.listen(port, '127.0.0.1', () => probe.close(() => resolve(false)));
  });
  if (!inUse) return;
  const holder = leftoverServer(join(dataDir, 'postgres'));
  throw new Error(
    [
      `PostgreSQL's port ${port} on 127.0.0.1 is in use${holder ? ` by the PostgreSQL server this data folder's last sandbox left running (pid ${holder}; stop it with kill ${holder})` : ''}.`,
      `The sandbox keeps that port (${postgresPortFile(dataDir)}) because the database secrets it stored name it.`,
      'Free the port and start again; or remove that file to take a new port, after which secrets made before point at the old one until you create them again.',
    ].join(' '),
  );
}

/** The pid in a PostgreSQL data folder's postmaster.pid when that process still runs (a sandbox killed with kill -9 leaves its server). */
function leftoverServer(pgDataDir: string): number | null {
  const lockFile = join(pgDataDir, 'postmaster.pid');
  if (!existsSync(lockFile)) return null;
  const pid = Number(readFileSync(lockFile, 'utf8').split('\n')[0]);
  if (!Number.isInteger(pid) || pid <= 0) return null;
  try {
    process.kill(pid, 0);
    return pid;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM' ? pid : null;
  }
}
