import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { type Sandbox, startSandbox } from '#sandbox/sandbox.ts';
import { restartOptions } from './restart-fixture.ts';

const dataDir = mkdtempSync(join(tmpdir(), 'hms-sys-pg-restart-'));
// mkdtemp makes a 0700 folder; run as root, the server runs as `postgres`, which must reach its data under it.
chmodSync(dataDir, 0o755);
const options = restartOptions(dataDir, { postgres: true, sweepMinutes: 600, revokeMinutes: 600 });
let sandbox: Sandbox | undefined;
afterAll(async () => {
  await sandbox?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

async function sql(login: { host: string; port: number; username: string; password: string }, text: string) {
  const client = new pg.Client({ host: login.host, port: login.port, database: 'postgres', user: login.username, password: login.password });
  client.on('error', () => {});
  await client.connect();
  try {
    return (await client.query(text)).rows;
  } finally {
    await client.end();
  }
}

const devArgs = ['--import', 'tsx', 'bin/cli.ts', 'dev', '--postgres', '--port', '0', '--data-dir', dataDir];

/** Starts `hms-sys dev --postgres` and resolves with the process once it prints its tokens. */
function startDev() {
  const child = spawn(process.execPath, devArgs, { stdio: ['ignore', 'pipe', 'pipe'] });
  return new Promise<typeof child>((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      if (/auditor +\S+\n/.test(out)) resolve(child);
    });
    child.stderr.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.once('exit', (code) => reject(new Error(`hms-sys dev exited with ${code}: ${out}`)));
  });
}

describe('the embedded PostgreSQL across sandbox restarts', () => {
  it('keeps its port, so a database secret stored before the restart still logs in', async () => {
    sandbox = await startSandbox(options);
    const first = sandbox.secrets.postgres!;
    await sql(first.admin, `CREATE ROLE orders_app LOGIN PASSWORD 'orders-pass'`);
    const { arn } = await sandbox.secrets.secrets.create({
      name: 'benefits/orders-db',
      value: JSON.stringify({ engine: 'postgres', host: first.host, port: first.port, dbname: 'postgres', username: 'orders_app', password: 'orders-pass' }),
      tags: {},
    });
    await sandbox.close();
    sandbox = undefined;
    expect(readFileSync(join(dataDir, 'postgres-port'), 'utf8').trim()).toBe(String(first.port));

    sandbox = await startSandbox(options);
    expect(sandbox.secrets.postgres!.port).toBe(first.port);
    const stored = JSON.parse((await sandbox.secrets.secrets.getValue(arn, { stage: 'AWSCURRENT' })).value!);
    expect(await sql(stored, 'SELECT current_user AS who')).toEqual([{ who: 'orders_app' }]);
    await sandbox.close();
    sandbox = undefined;
  });

  it('refuses to start when its port is taken, saying what holds it and what to do, and leaves no sandbox.json', async () => {
    const port = Number(readFileSync(join(dataDir, 'postgres-port'), 'utf8'));
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(port, '127.0.0.1', () => resolve()));
    try {
      const run = spawnSync(process.execPath, devArgs, { encoding: 'utf8' });
      expect(run.status).toBe(1);
      expect(run.stderr).toContain(`PostgreSQL's port ${port} on 127.0.0.1 is in use.`);
      expect(run.stderr).toContain('because the database secrets it stored name it');
      expect(run.stderr).toContain(`remove that file to take a new port`);
      expect(existsSync(join(dataDir, 'sandbox.json'))).toBe(false);
    } finally {
      taken.close();
    }
  });

  it('after a kill -9, names the server the killed sandbox left running, and starts once it is stopped', async () => {
    const port = Number(readFileSync(join(dataDir, 'postgres-port'), 'utf8'));
    const killed = await startDev();
    killed.kill('SIGKILL');
    await new Promise((resolve) => killed.once('exit', resolve));
    const leftover = Number(readFileSync(join(dataDir, 'postgres', 'postmaster.pid'), 'utf8').split('\n')[0]);

    const refused = spawnSync(process.execPath, devArgs, { encoding: 'utf8' });
    expect(refused.status).toBe(1);
    expect(refused.stderr).toContain(
      `PostgreSQL's port ${port} on 127.0.0.1 is in use by the PostgreSQL server this data folder's last sandbox left running (pid ${leftover}; stop it with kill ${leftover})`,
    );

    process.kill(leftover, 'SIGINT'); // what the message says to do (SIGTERM would also do)
    await until(() => !alive(leftover));
    const restarted = await startDev();
    const exited = new Promise((resolve) => restarted.once('exit', (code, signal) => resolve(code ?? signal)));
    restarted.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(readFileSync(join(dataDir, 'postgres-port'), 'utf8').trim()).toBe(String(port));
  });
});

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function until(done: () => boolean): Promise<void> {
  for (let attempt = 0; attempt < 300 && !done(); attempt += 1) await new Promise((resolve) => setTimeout(resolve, 50));
  if (!done()) throw new Error('the leftover server did not stop');
}
