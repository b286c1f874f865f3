/**
 * The README's secrets walk-through, run as a newcomer pastes it: `npm start -- --postgres` in one
 * process, then each command of the section in bash, through `npx hms-sys`, with the variables
 * the earlier commands set. Then a few mistakes a user makes, through the same CLI.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bashCommands, readmeSection } from '../unit/docs/readme-commands.ts';

const SECTION = 'Walk-through: a database secret rotated from the CLI';
const ARN = /^arn:aws:secretsmanager:us-east-1:\d{12}:secret:benefits\/receipt-(db|reports)-[A-Za-z0-9]{6}$/;
const dataDir = mkdtempSync(join(tmpdir(), 'hms-sys-secrets-walk-'));
// Run as root, PostgreSQL runs as the OS user postgres, which must reach its folder inside this one (mkdtemp makes it 0700).
chmodSync(dataDir, 0o755);
let sandbox: ChildProcess | undefined;

interface Step {
  line: string;
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Runs one pasted command in bash with the variables the earlier ones set (set -a exports each), and answers its output and the variables after it. */
function runStep(line: string, vars: Record<string, string>): Step & { vars: Record<string, string> } {
  const marker = '@@variables@@';
  const run = spawnSync('bash', ['-c', `set -aeo pipefail\n${line}\necho '${marker}'\nenv -0`], {
    encoding: 'utf8',
    env: { ...process.env, ...vars, HMS_DATA_DIR: dataDir },
  });
  const [stdout = '', env = ''] = run.stdout.split(`${marker}\n`);
  const after = Object.fromEntries(
    env
      .split('\0')
      .filter(Boolean)
      .map((pair) => [pair.slice(0, pair.indexOf('=')), pair.slice(pair.indexOf('=') + 1)]),
  );
  return { line, status: run.status, stdout, stderr: run.stderr, vars: run.status === 0 ? after : vars };
}

/** Starts `hms-sys dev --postgres` as the section's first block does, on its own data folder and a free port. */
function startSandbox(): Promise<void> {
  sandbox = spawn(process.execPath, ['--import', 'tsx', 'bin/cli.ts', 'dev', '--postgres', '--port', '0', '--data-dir', dataDir], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return new Promise((resolve, reject) => {
    let out = '';
    sandbox!.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      if (/auditor +\S+\n/.test(out)) resolve();
    });
    sandbox!.once('exit', (code) => reject(new Error(`hms-sys dev --postgres exited with ${code}: ${out}`)));
  });
}

const steps: Step[] = [];
let vars: Record<string, string> = {};
const run = (line: string) => {
  const step = runStep(line, vars);
  vars = step.vars;
  steps.push(step);
  return step;
};
const output = (fragment: string) => {
  const step = steps.find((s) => s.line.includes(fragment));
  if (!step) throw new Error(`no step ran "${fragment}"`);
  return step;
};

beforeAll(async () => {
  const commands = bashCommands(readmeSection(SECTION));
  expect(commands[0]).toBe('npm start -- --postgres');
  await startSandbox();
  for (const line of commands.slice(1)) {
    let step = run(line);
    // The restart follows RotationSucceeded on the bus, after RotateSecret has answered: look again, as a user would.
    for (let tries = 0; line.startsWith('npx hms-sys audit') && !step.stdout.includes('secret.restart') && tries < 20; tries += 1) {
      await new Promise((r) => setTimeout(r, 250));
      steps.pop();
      step = run(line);
    }
    if (step.status !== 0) break;
  }
}, 240_000);

afterAll(async () => {
  if (sandbox && sandbox.exitCode === null) {
    const exited = new Promise((resolve) => sandbox!.once('exit', resolve));
    sandbox.kill('SIGTERM');
    await exited;
  }
  rmSync(dataDir, { recursive: true, force: true });
});

describe("the README's secrets walk-through, pasted into a shell", () => {
  it('runs every command to exit 0', () => {
    const failed = steps.filter((s) => s.status !== 0).map((s) => `${s.line}\n${s.stderr}`);
    expect(failed).toEqual([]);
    expect(steps.length).toBe(bashCommands(readmeSection(SECTION)).length - 1);
  });

  it('creates a database secret and keeps its ARN in $SECRET, with no password printed', () => {
    expect(vars.SECRET).toMatch(ARN);
    expect(output('echo "$SECRET"').stdout.trim()).toBe(vars.SECRET);
    expect(vars.REPORTS).toMatch(ARN);
    expect(steps.map((s) => s.stdout).join('\n')).not.toMatch(/password/i);
  });

  it('registers receipt-svc as reading the secret, which lists as ok under its strategy', () => {
    expect(output('services create --name receipt-svc').stdout).toContain(vars.SECRET);
    const status = output('secrets status "$SECRET"').stdout;
    expect(status).toMatch(/benefits\/receipt-db +postgres-single-user +24h +ok/);
  });

  it("rotates it and shows the Deployment's restart in the audit trail", () => {
    expect(output('secrets rotate "$SECRET"').stdout).toMatch(/rotationStarted[\s\S]*true/);
    const audit = output('npx hms-sys audit --service receipt-svc').stdout;
    const restart = audit.split('\n').find((row) => row.includes('secret.restart'));
    expect(restart).toContain('deployment/benefits/receipt-svc');
    expect(restart).toContain(vars.SECRET);
    const pods = output('cluster get pods').stdout.trim().split('\n').slice(1);
    // Two replicas, plus the one surge pod a rolling update may hold (maxSurge 25% rounds up to 1).
    expect(pods.length).toBeGreaterThanOrEqual(2);
    expect(pods.length).toBeLessThanOrEqual(3);
    for (const pod of pods) expect(pod).toMatch(/^receipt-svc-\S+ +(Running|Pending)/);
  });

  it('gives the service a second, alternating-users secret with services update, and restarts it for that one too', () => {
    const updated = output('services update receipt-svc').stdout;
    expect(updated).toContain(`${vars.SECRET}, ${vars.REPORTS}`);
    const listed = output('npx hms-sys secrets list').stdout;
    expect(listed).toMatch(/benefits\/receipt-reports +postgres-alternating-users +24h +ok +20\d\d-/);
    expect(listed).toMatch(/benefits\/receipt-db +postgres-single-user +24h +ok +20\d\d-/);
    const audit = output('--limit 3').stdout.split('\n');
    expect(audit[1]).toMatch(/secret\.restart +deployment\/benefits\/receipt-svc/);
    expect(audit[1]).toContain(vars.REPORTS);
    expect(audit[2]).toMatch(/service\.update +service\/receipt-svc +success +fields changed: secrets/);
  });
});

describe('short-lived logins from the walk-through, on a master secret made with --template-role', () => {
  const CREDENTIAL = /^arn:aws:secretsmanager:us-east-1:\d{12}:secret:hms-sys\/db-credentials\/receipt-svc\/hms_receipt_svc_[0-9a-f]{8}-[A-Za-z0-9]{6}$/;

  it('makes the master secret, issues a login joining the template role, lists it, and revokes it', () => {
    expect(vars.MASTER).toMatch(/^arn:aws:secretsmanager:us-east-1:\d{12}:secret:benefits\/receipt-master-[A-Za-z0-9]{6}$/);
    expect(vars.CRED).toMatch(CREDENTIAL);
    const listed = output('db-credentials list --service receipt-svc').stdout;
    expect(listed).toContain(vars.CRED);
    expect(listed).toMatch(/hms_receipt_svc_[0-9a-f]{8}/);
    expect(output('db-credentials revoke').status).toBe(0);
    const after = run('npx hms-sys db-credentials list --service receipt-svc --output json');
    expect(after.status).toBe(0);
    expect(after.stdout).not.toContain(vars.CRED);
  });

  it('refuses a master secret with no template role with 422 no_template_role, naming database', () => {
    const refused = run('npx hms-sys db-credentials issue --service receipt-svc --database "$SECRET"');
    expect(refused.status).toBe(1);
    expect(refused.stderr).toContain('no_template_role');
    expect(refused.stderr).toContain('(field: database)');
  });

  it('refuses --template-role beside --strategy', () => {
    const both = run('npx hms-sys sandbox db-secret create --name benefits/x --strategy single-user --template-role r');
    expect(both.status).toBe(2);
    expect(both.stderr).toContain('--template-role makes a master secret');
  });
});

describe('mistakes, through the same CLI and sandbox', () => {
  it('refuses a second secret of the same name with 409 naming name', () => {
    const again = run('npx hms-sys sandbox db-secret create --name benefits/receipt-db --strategy single-user');
    expect(again.status).toBe(1);
    expect(again.stderr.trim()).toBe('hms-sys: 409 conflict: a secret named benefits/receipt-db already exists (field: name)');
  });

  it('reads a negative dollar amount as the value, which the API refuses', () => {
    const negative = run('npx hms-sys budgets set receipt-svc --monthly-usd -5');
    expect(negative.status).toBe(1);
    expect(negative.stderr.trim()).toBe('hms-sys: 400 validation_failed: monthlyUSD must be greater than 0 (field: monthlyUSD)');
  });

  it('says the audit stream of a service that never existed does not exist', () => {
    const verify = run('npx hms-sys audit verify --service nosuch');
    expect(verify.status).toBe(1);
    expect(verify.stderr.trim()).toBe('hms-sys: 404 not_found: audit stream of service nosuch was not found (field: query.service)');
    expect(run('npx hms-sys audit verify --service receipt-svc').stdout).toMatch(/true/);
  });

  it('prints a dry run in a table or in JSON, as --output says', () => {
    const table = run('npx hms-sys services update receipt-svc --no-secrets --dry-run');
    expect(table.stdout.split('\n')[0]).toBe('dry run, nothing changed: it would update this');
    const json = run('npx hms-sys services update receipt-svc --no-secrets --dry-run --output json');
    expect(JSON.parse(json.stdout)).toMatchObject({ dryRun: true, changed: true, wouldUpdate: { name: 'receipt-svc' } });
    expect(output('services update receipt-svc --secret').status).toBe(0);
  });
});
