import { spawn } from 'node:child_process';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { PostgresDatabase } from '#adapters/aws/postgres-database.ts';
import type { DatabaseLogin } from '#ports/database.ts';
import { useSandbox } from './sandbox-fixture.ts';

interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a command without blocking this process, whose sandbox must keep answering meanwhile. */
function run(command: string, args: string[]): Promise<Run> {
  const child = spawn(command, args, { env: { ...process.env, HMS_DATA_DIR: '/nonexistent-hms-sys' } });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
  });
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  return new Promise((resolve) => child.once('close', (status) => resolve({ status, stdout, stderr })));
}

describe('npm run demo:rotation', () => {
  it('rotates a database secret twice and revokes a 1-minute login, exiting 0 only when every check held', async () => {
    const demo = await run('npm', ['run', '--silent', 'demo:rotation']);
    expect(demo.stderr).not.toContain('demo failed');
    expect(demo.status).toBe(0);
    const out = demo.stdout;
    expect(out).not.toContain('✘');
    for (const round of [1, 2]) {
      expect(out).toMatch(new RegExp(`T\\+[\\d.]+ s +rotation ${round}: started (\\w{8}); AWSCURRENT (\\w{8}) → \\1; \\2 is AWSPREVIOUS`));
      expect(out).toMatch(new RegExp(`T\\+[\\d.]+ s +benefits/eligibility-api: hms\\.sys/secret-version=\\w{8}, ${round} restarts? so far`));
      expect(out).toContain(`✔ the Deployment restarted once for rotation ${round}, onto version`);
    }
    expect(out.match(/✔ the old password of eligibility_app is refused/g)).toHaveLength(2);
    expect(out.match(/✔ the new password logs in and reads benefit_programs \(3 rows\)/g)).toHaveLength(2);
    expect(out).toContain('✔ 2 rotations, 2 restarts of benefits/eligibility-api');
    expect(out).toMatch(/issued hms_eligibility_api_[0-9a-f]{8}, expires \S+Z/);
    expect(out).toContain('✔ the login works and reads benefit_programs through app_reader (3 rows)');
    expect(out).toMatch(/T\+3\d\.\d s +the sandbox clock moves 30 s forward; the revoker runs: 0 logins revoked/);
    expect(out).toMatch(/T\+2 min \d\d s +the revoker runs: 1 login revoked/);
    expect(out).toMatch(/✔ role hms_eligibility_api_[0-9a-f]{8} is dropped from PostgreSQL/);
    expect(out).toContain('✔ its login is refused');
    expect(out).toMatch(/secret\.rotate +rotation started by request[\s\S]*secret\.restart[\s\S]*db-credential\.issue[\s\S]*db-credential\.revoke +expired at/);
    expect(out).toContain('✔ 2 rotations: each refused the old password, let the new one in and restarted eligibility-api once');
    // The sandbox superuser's password sits in the master secret; no password is printed.
    expect(out).not.toContain('hms-sys-sandbox');
    expect(out).not.toMatch(/password"/i);
  });
});

describe('hms-sys secrets and db-credentials against the sandbox', () => {
  const sb = useSandbox({ postgres: true, sweepMinutes: 600, revokeMinutes: 600 });
  const cli = (...args: string[]) =>
    run(process.execPath, ['--import', 'tsx', 'bin/cli.ts', ...args, '--url', sb.sandbox.url, '--token', sb.sandbox.tokens.admin!]);
  const database = new PostgresDatabase();

  it('lists, rotates and reports a secret, and says when an ARN is unknown', async () => {
    const store = sb.sandbox.secrets.secrets;
    const { arn } = await store.create({
      name: 'benefits/api-token',
      value: 'first-token',
      tags: { 'hms:rotation-strategy': 'random-token', 'hms:rotation-policy': '7d' },
    });
    await store.enableRotation(arn, { rotateEvery: '7d' });
    const listed = await cli('secrets', 'list');
    expect(listed.stderr).toBe('');
    expect(listed.stdout).toMatch(/^name +strategy +policy +health +lastRotatedAt +nextRotationAt\nbenefits\/api-token +random-token +7d +ok +- +\S+Z\n$/);

    const rotated = await cli('secrets', 'rotate', arn);
    expect(rotated.stdout).toMatch(
      new RegExp(
        `^secret +rotationStarted +versionId\\n${arn} +true +[0-9a-f-]{36}\\n\\nstarted: Secrets Manager runs the rotation asynchronously; check it with hms-sys secrets status ${arn}\\n$`,
      ),
    );
    // The CLI answers once the rotation has started; the rotation runs on the bus afterwards.
    await sb.sandbox.bus.drain();
    expect((await store.getValue(arn)).value).not.toBe('first-token');

    const status = await cli('secrets', 'status', arn);
    expect(status.stdout).toMatch(/^name +strategy .*\nbenefits\/api-token +random-token +7d +ok +\S+Z +\S+Z\n\nok: the schedule rotates it by \S+Z\n$/);
    expect(JSON.parse((await cli('secrets', 'status', arn, '--output', 'json')).stdout)).toMatchObject({
      arn,
      health: 'ok',
      lastRotatedAt: expect.any(String),
    });

    const unknownArn = arn.replace(/.{6}$/, 'NoSuch');
    const missing = await cli('secrets', 'status', unknownArn);
    expect(missing.status).toBe(1);
    expect(missing.stderr).toMatch(new RegExp(`^hms-sys: no secret under rotation has the ARN ${unknownArn}`));
    const notRotated = await cli('secrets', 'rotate', unknownArn);
    expect(notRotated.status).toBe(1);
    expect(notRotated.stderr).toMatch(/^hms-sys: 404 \w+: .*\(field: secret\)/);
  });

  it('issues, lists and revokes a database login, never printing its password', async () => {
    const postgres = sb.sandbox.secrets.postgres!;
    const admin = postgres.admin;
    const client = new pg.Client({ host: admin.host, port: admin.port, database: admin.database, user: admin.username, password: admin.password });
    await client.connect();
    await client.query('CREATE ROLE app_reader NOLOGIN').finally(() => client.end());
    const { arn: master } = await sb.sandbox.secrets.secrets.create({
      name: 'benefits/postgres-master',
      tags: { 'hms:template-role': 'app_reader' },
      value: JSON.stringify({
        engine: 'postgres',
        host: postgres.host,
        port: postgres.port,
        dbname: admin.database,
        username: admin.username,
        password: admin.password,
      }),
    });
    expect((await sb.service('eligibility-api')).status).toBe(201);

    const issued = await cli('db-credentials', 'issue', '--service', 'eligibility-api', '--database', master, '--ttl-minutes', '5');
    expect(issued.stderr).toBe('');
    const [, arn, username] = /^(arn:\S+) +eligibility-api +(hms_eligibility_api_[0-9a-f]{8}) +\S+Z$/m.exec(issued.stdout) ?? [];
    expect(arn).toBeDefined();
    const secret = JSON.parse((await sb.sandbox.secrets.secrets.getValue(arn!)).value) as { password: string; host: string; port: number; dbname: string };
    expect(issued.stdout).not.toContain(secret.password);
    const login: DatabaseLogin = { host: secret.host, port: secret.port, database: secret.dbname, username: username!, password: secret.password };
    expect(await database.canLogIn(login)).toBe(true);

    const listed = await cli('db-credentials', 'list', '--service', 'eligibility-api');
    expect(listed.stdout).toMatch(new RegExp(`^arn +service +username +expiresAt\\n${arn} +eligibility-api +${username} +\\S+Z\\n$`));
    expect(JSON.parse((await cli('db-credentials', 'list', '--output', 'json')).stdout)).toEqual([expect.objectContaining({ arn, username })]);
    expect((await cli('db-credentials', 'list', '--service', 'fema-portal')).stdout).toBe('arn  service  username  expiresAt\n');

    const revoked = await cli('db-credentials', 'revoke', arn!);
    expect(revoked.stdout).toBe(`revoked ${arn}\n`);
    expect(await database.canLogIn(login)).toBe(false);
    const again = await cli('db-credentials', 'revoke', arn!);
    expect(again.status).toBe(1);
    expect(again.stderr).toMatch(/404 not_found: credential arn:aws:secretsmanager/);

    const unknownService = await cli('db-credentials', 'issue', '--service', 'no-such-service', '--database', master);
    expect(unknownService.status).toBe(1);
    expect(unknownService.stderr).toMatch(/^hms-sys: 404 /);
  });
});
