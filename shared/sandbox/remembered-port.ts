import { existsSync, readFileSync, writeFileSync } from 'node:fs';

/**
 * A local server that keeps its port across sandbox restarts, as the Kubernetes simulator keeps
 * its own (k8s-api.json) and PostgreSQL its (postgres-port.ts): the port is remembered in a file
 * of the data folder and asked for again on the next start. When another process holds it, the
 * server takes a free port instead and says so (portChanged), so the start goes on; a server
 * whose address is handed out anew on each start (the session file, the banner) can move.
 */
export async function startOnRememberedPort<T>(
  file: string,
  start: (port: number) => Promise<T>,
  portOf: (started: T) => number,
): Promise<{ started: T; portChanged: boolean }> {
  const remembered = rememberedPort(file);
  let started: T;
  let portChanged = false;
  try {
    started = await start(remembered ?? 0);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EADDRINUSE' || remembered === null) throw err;
    started = await start(0);
    portChanged = true;
  }
  writeFileSync(file, `${portOf(started)}\n`);
  return { started, portChanged };
}

/** The port in the file, or null when there is none or it is no port number (then a free one is taken). */
function rememberedPort(file: string): number | null {
  if (!existsSync(file)) return null;
  const port = Number(readFileSync(file, 'utf8').trim());
  return Number.isInteger(port) && port > 0 && port < 65_536 ? port : null;
}
