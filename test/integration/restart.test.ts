import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { SCALING_RULE } from './restart-fixture.ts';

const dirs: string[] = [];
const children: ChildProcess[] = [];
afterAll(() => {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

const newDataDir = () => {
  const dir = mkdtempSync(join(tmpdir(), 'hms-sys-restart-'));
  dirs.push(dir);
  return dir;
};

interface Running {
  child: ChildProcess;
  url: string;
  token: string;
  exited: Promise<number | null>;
}

/** Starts the sandbox as a process, `npm start` or the CLI itself, and waits until it prints its tokens. */
function start(command: string, args: string[], options: { detached?: boolean } = {}): Promise<Running> {
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], detached: options.detached ?? false });
  children.push(child);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const url = /API: +(http:\/\/127\.0\.0\.1:\d+)/.exec(out)?.[1];
      const token = /^ {4}admin +(\S+)$/m.exec(out)?.[1];
      if (url && token && /auditor +\S+\n/.test(out)) resolve({ child, url, token, exited });
    });
    child.stderr!.on('data', (chunk: Buffer) => (out += chunk.toString()));
    void exited.then((code) => reject(new Error(`the sandbox exited with ${code}: ${out}`)));
  });
}

const devArgs = (dataDir: string, ...more: string[]) => [
  '--import',
  'tsx',
  'bin/cli.ts',
  'dev',
  '--port',
  '0',
  '--data-dir',
  dataDir,
  '--pod-ready-ms',
  '20',
  ...more,
];
const startDev = (dataDir: string) => start(process.execPath, devArgs(dataDir));

async function call(sandbox: Running, method: string, path: string, body?: unknown) {
  const res = await fetch(`${sandbox.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${sandbox.token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null };
}

/** Reads until `done` holds: the sandbox process runs on its own clock, so its alarms act when they act. */
async function until<T>(read: () => Promise<T>, done: (value: T) => boolean, what: string): Promise<T> {
  let last: T | undefined;
  for (let attempt = 0; attempt < 200; attempt += 1) {
    last = await read();
    if (done(last)) return last;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`${what}: last read ${JSON.stringify(last)}`);
}

const cli = (dataDir: string, ...args: string[]) =>
  spawnSync(process.execPath, ['--import', 'tsx', 'bin/cli.ts', ...args, '--data-dir', dataDir], {
    encoding: 'utf8',
    env: { ...process.env, HMS_URL: '', HMS_TOKEN: '' },
  });

describe('Ctrl-C on npm start', () => {
  it('exits 0 after closing the sandbox, and removes sandbox.json', async () => {
    const dataDir = newDataDir();
    // A terminal's Ctrl-C signals the whole foreground group: npm, and the sandbox under it, which npm also signals.
    const sandbox = await start('npm', ['start', '--', '--port', '0', '--data-dir', dataDir], { detached: true });
    expect(existsSync(join(dataDir, 'sandbox.json'))).toBe(true);
    process.kill(-sandbox.child.pid!, 'SIGINT');
    expect(await sandbox.exited).toBe(0);
    expect(existsSync(join(dataDir, 'sandbox.json'))).toBe(false);
  });
});

describe('a closed terminal (SIGHUP)', () => {
  it('stops the sandbox as Ctrl-C does: exit 0, no sandbox.json', async () => {
    const dataDir = newDataDir();
    const sandbox = await startDev(dataDir);
    sandbox.child.kill('SIGHUP');
    expect(await sandbox.exited).toBe(0);
    expect(existsSync(join(dataDir, 'sandbox.json'))).toBe(false);
  });
});

describe('a start that fails', () => {
  it('leaves no sandbox.json, and says why', async () => {
    const dataDir = newDataDir();
    const taken = createServer();
    const port = await new Promise<number>((resolve) => taken.listen(0, '127.0.0.1', () => resolve((taken.address() as { port: number }).port)));
    try {
      const run = spawnSync(process.execPath, ['--import', 'tsx', 'bin/cli.ts', 'dev', '--port', String(port), '--data-dir', dataDir], { encoding: 'utf8' });
      expect(run.status).toBe(1);
      expect(run.stderr).toContain(`port ${port} on 127.0.0.1 is in use`);
      expect(run.stderr).toContain(`\`npm start -- --port ${port + 1}\` or \`HMS_PORT=${port + 1} npm start\``);
      expect(existsSync(join(dataDir, 'sandbox.json'))).toBe(false);
    } finally {
      taken.close();
    }
  });
});

describe('a sandbox killed with kill -9, then started again on the same data folder', () => {
  it('keeps every acknowledged write, and a rule made before the restart scales its Deployment after it', async () => {
    const dataDir = newDataDir();
    const first = await startDev(dataDir);
    const tags = { agency: 'ED', program: 'FSA', fiscalYear: 'FY2026' };
    expect(
      (await call(first, 'POST', '/services', { name: 'eligibility-api', cluster: 'sandbox', namespace: 'benefits', deployment: 'eligibility-api', tags }))
        .status,
    ).toBe(201);
    const created = await call(first, 'POST', '/autoscale-rules', SCALING_RULE);
    expect(created.status).toBe(201);
    const ruleId: string = created.body.ruleId;
    const status = () => call(first, 'GET', `/rules/${ruleId}/status`).then((answer) => answer.body);
    expect((await call(first, 'POST', '/sandbox/metrics', { service: 'eligibility-api', metric: 'http_rps', value: 1_000 })).status).toBe(200);
    const scaled = await until(status, (s) => s.lastDecision?.action === 'scale-out', 'the first scale-out');
    const scaledTo: number = scaled.lastDecision.desiredReplicas;
    expect(scaledTo).toBeGreaterThan(4);
    // The simulated cluster is written a moment after each change: wait for it, as kill -9 loses that moment.
    const simFile = join(dataDir, 'k8s-sim.json');
    const onDisk = async () => {
      const saved = existsSync(simFile) ? JSON.parse(readFileSync(simFile, 'utf8')) : { objects: { deployments: [] } };
      return saved.objects.deployments.find((d: { name: string }) => d.name === 'eligibility-api')?.replicas;
    };
    await until(onDisk, (replicas) => replicas === scaledTo, 'the cluster on disk');
    // So are the alarms, with their states and datapoints.
    const alarmsFile = join(dataDir, 'alarms.json');
    const alarmsOnDisk = async () =>
      (existsSync(alarmsFile) ? JSON.parse(readFileSync(alarmsFile, 'utf8')).alarms : []).map((a: { state: { value: string } }) => a.state.value);
    await until(alarmsOnDisk, (states) => states.includes('ALARM') && states.includes('OK'), 'the alarms on disk');

    const s3Endpoint = () => JSON.parse(readFileSync(join(dataDir, 'sandbox.json'), 'utf8')).s3Endpoint as string;
    const s3Before = s3Endpoint();
    first.child.kill('SIGKILL');
    await first.exited;
    // Its sandbox.json outlives it; the CLI says the sandbox is not running rather than failing to connect.
    expect(existsSync(join(dataDir, 'sandbox.json'))).toBe(true);
    const stale = cli(dataDir, 'services', 'list');
    expect(stale.status).toBe(1);
    expect(stale.stderr).toContain('the sandbox is not running: start it with npm start');

    // Its scale-out alarm resumes in ALARM, so a higher datapoint is no new state change, as in
    // CloudWatch: the reconciler, which re-evaluates every rule in ALARM, scales further.
    const second = await start(process.execPath, devArgs(dataDir, '--reconcile-seconds', '5'));
    const get = (path: string) => call(second, 'GET', path);
    // The audit S3 server is back on its port, as the Kubernetes and PostgreSQL ones are.
    expect(s3Endpoint()).toBe(s3Before);
    expect((await get('/services/eligibility-api')).status).toBe(200);
    expect((await get(`/autoscale-rules/${ruleId}`)).body).toMatchObject({ ruleId, minReplicas: 4, maxReplicas: 20, trigger: { threshold: 500 } });
    const resumed = (await get(`/rules/${ruleId}/status`)).body;
    // Its alarms were put again at start: none is missing.
    expect(resumed.alarms).toEqual([
      { name: `hms-sys-${ruleId}-scale-out`, state: expect.not.stringMatching('missing') },
      { name: `hms-sys-${ruleId}-scale-in`, state: expect.not.stringMatching('missing') },
    ]);
    // The simulated cluster resumed where hms-sys left it.
    expect(resumed.replicas).toBe(scaledTo);
    // The alarms resumed from alarms.json with their states and datapoints; the restart changed no decision.
    expect(resumed.alarms.map((a: { state: string }) => a.state)).toEqual(['ALARM', 'OK']);
    expect(resumed.lastDecision).toEqual(scaled.lastDecision);

    expect((await call(second, 'POST', '/sandbox/metrics', { service: 'eligibility-api', metric: 'http_rps', value: 4_000 })).status).toBe(200);
    const rescaled = await until(
      () => get(`/rules/${ruleId}/status`).then((answer) => answer.body),
      // The period's Average: the new datapoint, with the one from before the restart while it is in the same period.
      (s) => s.lastDecision?.action === 'scale-out' && s.lastDecision.metric > 1_000 && s.replicas === s.lastDecision.desiredReplicas && s.replicas === 20,
      'a scale-out after the restart',
    );
    expect(rescaled.replicas).toBeGreaterThan(resumed.replicas);
    expect(rescaled.replicas).toBe(20);

    // A second sandbox on the same folder is refused, and the running one's sandbox.json stays.
    const twice = spawnSync(process.execPath, devArgs(dataDir), { encoding: 'utf8' });
    expect(twice.status).toBe(1);
    expect(twice.stderr).toContain(`a sandbox is already running on ${dataDir} (process ${second.child.pid}`);
    expect(JSON.parse(readFileSync(join(dataDir, 'sandbox.json'), 'utf8')).pid).toBe(second.child.pid);

    second.child.kill('SIGTERM');
    expect(await second.exited).toBe(0);
    expect(existsSync(join(dataDir, 'sandbox.json'))).toBe(false);
  });
});
