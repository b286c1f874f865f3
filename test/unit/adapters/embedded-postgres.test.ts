import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, cp, mkdir, mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { type AddressInfo, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { PostgresDatabase } from '#adapters/aws/postgres-database.ts';
import { type OsUser, platformPackageDir, prepareBinaries, serverOsUser, startEmbeddedPostgres } from '#adapters/local/embedded-postgres.ts';
import { type DatabaseLogin, DatabaseUnavailableError } from '#ports/database.ts';

const database = new PostgresDatabase();
let workDir: string;
let runAs: OsUser | undefined;

beforeAll(async () => {
  workDir = await mkdtemp(join(tmpdir(), 'hms-embedded-pg-test-'));
  await chmod(workDir, 0o755); // the server's user must reach the clusters inside
  runAs = await serverOsUser();
});
afterAll(async () => {
  await rm(workDir, { recursive: true, force: true });
});

/** The OS user the server's files belong to: `postgres` as root, else this process's user. */
const serverUid = () => runAs?.uid ?? process.getuid!();

describe('startEmbeddedPostgres', () => {
  it('starts a temporary cluster on a free port and removes it on close', async () => {
    const server = await startEmbeddedPostgres({ superuserPassword: `it's "secret"` });
    try {
      expect(server.port).toBeGreaterThan(0);
      expect(server.admin).toEqual({ host: '127.0.0.1', port: server.port, database: 'postgres', username: 'postgres', password: `it's "secret"` });
      expect(await database.canLogIn(server.admin)).toBe(true);
      expect(await database.canLogIn({ ...server.admin, password: 'wrong' })).toBe(false);
      expect((await stat(server.dataDir)).uid).toBe(serverUid());
    } finally {
      await server.close();
    }
    expect(existsSync(server.dataDir)).toBe(false);
    await expect(database.canLogIn(server.admin)).rejects.toBeInstanceOf(DatabaseUnavailableError);
    await server.close(); // a second close is harmless
  });

  it('keeps a persistent cluster, reuses it on the port asked for, and refuses another password', async () => {
    const dataDir = join(workDir, 'nested', 'cluster');
    const first = await startEmbeddedPostgres({ dataDir, superuserPassword: 'persist' });
    try {
      await runAsAdmin(first.admin, 'CREATE TABLE kept (note text)', "INSERT INTO kept VALUES ('still here')");
    } finally {
      await first.close();
    }
    expect(await readFile(join(dataDir, 'PG_VERSION'), 'utf8')).toMatch(/^\d+/);

    const port = first.port; // free again once the first server stopped
    const second = await startEmbeddedPostgres({ dataDir, port, superuserPassword: 'persist' });
    try {
      expect(second.port).toBe(port);
      expect(await runAsAdmin(second.admin, 'SELECT note FROM kept')).toEqual([{ note: 'still here' }]);
    } finally {
      await second.close();
    }
    expect(existsSync(join(dataDir, 'PG_VERSION'))).toBe(true);

    await expect(startEmbeddedPostgres({ dataDir, superuserPassword: 'other' })).rejects.toThrow(/another superuser password/);
  });

  it('fails clearly when the port asked for is taken, leaving no temporary folder', async () => {
    const holder = createServer();
    await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve));
    const { port } = holder.address() as AddressInfo;
    const privateTmp = join(workDir, 'tmp');
    await mkdir(privateTmp);
    vi.stubEnv('TMPDIR', privateTmp); // os.tmpdir() reads it on each call
    try {
      await expect(startEmbeddedPostgres({ port, superuserPassword: 'pw' })).rejects.toThrow(/did not start on port \d+: .*could not bind/s);
    } finally {
      vi.unstubAllEnvs();
      await new Promise((resolve) => holder.close(resolve));
    }
    expect(await readdir(privateTmp)).toEqual([]);
  });
});

describe('prepareBinaries', () => {
  it('runs the installed binaries when their symlinks are there', async () => {
    const installed = platformPackageDir();
    expect(await prepareBinaries(installed, runAs, workDir)).toBe(join(installed, 'native', 'bin'));
  });

  it('runs a copy with the symlinks made when npm skipped the install script, in a folder only root can enter', async () => {
    // A package as npm leaves it without install scripts: no library symlinks. As root it also
    // sits in a 0700 folder, which the server's user cannot enter.
    const hidden = join(workDir, 'hidden');
    const packageDir = join(hidden, 'package');
    await cp(platformPackageDir(), packageDir, { recursive: true, verbatimSymlinks: true });
    await chmod(hidden, 0o700);
    const links = JSON.parse(await readFile(join(packageDir, 'native', 'pg-symlinks.json'), 'utf8')) as { target: string }[];
    await Promise.all(links.map((link) => rm(join(packageDir, link.target))));
    const cacheRoot = join(workDir, 'cache');
    await mkdir(cacheRoot);

    const binDir = await prepareBinaries(packageDir, runAs, cacheRoot);

    expect(binDir.startsWith(cacheRoot)).toBe(true);
    const { stdout } = await promisify(execFile)(join(binDir, 'postgres'), ['-V'], { ...runAs });
    expect(stdout).toMatch(/PostgreSQL\) \d+/);
    expect(await prepareBinaries(packageDir, runAs, cacheRoot)).toBe(binDir); // the copy is reused
  });
});

async function runAsAdmin(admin: DatabaseLogin, ...statements: string[]) {
  const client = new pg.Client({ host: admin.host, port: admin.port, database: admin.database, user: admin.username, password: admin.password });
  await client.connect();
  try {
    let rows: unknown[] = [];
    for (const statement of statements) rows = (await client.query(statement)).rows;
    return rows;
  } finally {
    await client.end();
  }
}
