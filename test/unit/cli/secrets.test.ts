import { spawnSync } from 'node:child_process';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { ApiClient } from '../../../bin/client.ts';
import { type Command, type CommandContext, helpText, UsageError } from '../../../bin/command.ts';
import { credentialBody, dbCredentialCommands } from '../../../bin/commands/db-credentials.ts';
import { secretArn, secretCommands } from '../../../bin/commands/secrets.ts';

const commands: Command[] = [...secretCommands, ...dbCredentialCommands];
const cli = (...args: string[]) =>
  spawnSync(process.execPath, ['--import', 'tsx', 'bin/cli.ts', ...args], { encoding: 'utf8', env: { ...process.env, HMS_DATA_DIR: '/nonexistent-hms-sys' } });

const ARN = 'arn:aws:secretsmanager:us-east-1:000000000000:secret:benefits/eligibility-db-AbCdEf';
const MASTER = 'arn:aws-us-gov:secretsmanager:us-gov-west-1:123456789012:secret:benefits/postgres-master-XyZ123';
const CREDENTIAL = 'arn:aws:secretsmanager:us-east-1:000000000000:secret:hms-sys/db-credentials/eligibility-api/hms_eligibility_api_1a2b3c4d-QwErTy';

/** An API that answers every call with `answer`, and records each call with its body. */
function recordingApi(answer: unknown) {
  const calls: Array<{ method: string; path: string; body?: unknown }> = [];
  const api: ApiClient = {
    call: async (method, path, body) => {
      calls.push({ method, path, ...(body === undefined ? {} : { body }) });
      return answer;
    },
  };
  return { api, calls };
}

function context(values: CommandContext['values'], positionals: string[] = [], api?: ApiClient, output: CommandContext['output'] = 'table'): CommandContext {
  return {
    values,
    positionals,
    output,
    dataDir: '/nonexistent-hms-sys',
    api: () => {
      if (!api) throw new Error('this test makes no API calls');
      return api;
    },
  };
}

const run = (name: string, ctx: CommandContext) => commands.find((c) => c.name === name)!.run(ctx);

/** What a command prints with console.log, one string per call. */
function printed(): string[] {
  const lines: string[] = [];
  vi.spyOn(console, 'log').mockImplementation((...args: unknown[]) => {
    lines.push(args.join(' '));
  });
  return lines;
}

afterEach(() => {
  vi.restoreAllMocks();
});

const row = {
  arn: ARN,
  name: 'benefits/eligibility-db',
  strategy: 'postgres-single-user',
  policy: '24h',
  rotationEnabled: true,
  lastRotatedAt: '2026-11-23T09:00:00.000Z',
  nextRotationAt: '2026-11-25T00:00:00.000Z',
  health: 'ok',
  detail: 'the schedule rotates it by 2026-11-25T00:00:00.000Z',
};

describe('secrets and db-credentials commands', () => {
  it('covers the commands the rotation issue lists', () => {
    expect(commands.map((c) => c.name)).toEqual([
      'secrets list',
      'secrets rotate',
      'secrets status',
      'db-credentials issue',
      'db-credentials list',
      'db-credentials revoke',
    ]);
  });

  it.each(commands.map((c) => [c.name, c] as const))('%s has help text naming its usage and every option', (_, command) => {
    const text = helpText(command);
    expect(text).toContain(`Usage: hms-sys ${command.usage}`);
    for (const option of Object.keys(command.options)) expect(text).toMatch(new RegExp(`--${option}( <value>)? +\\S`));
  });

  it("lists each group's commands for `hms-sys secrets` and `hms-sys db-credentials`", () => {
    const secrets = cli('secrets');
    expect(secrets.status).toBe(0);
    expect(secrets.stdout).toContain('hms-sys secrets rotate ARN');
    expect(secrets.stdout).toContain('hms-sys secrets status ARN');
    const credentials = cli('db-credentials');
    expect(credentials.status).toBe(0);
    expect(credentials.stdout).toContain('hms-sys db-credentials issue --service S --database MASTER_ARN [--ttl-minutes 60]');
    expect(credentials.stdout).toContain('hms-sys db-credentials revoke ARN');
  });

  it.each([
    ['secrets rotate', {}, [], 'the secret ARN is required'],
    ['secrets rotate', {}, ['benefits/eligibility-db'], 'the secret ARN must be a Secrets Manager secret ARN'],
    ['secrets status', {}, [], 'the secret ARN is required'],
    ['secrets status', {}, ['arn:aws:s3:::bucket'], 'the secret ARN must be a Secrets Manager secret ARN'],
    ['db-credentials issue', { database: MASTER }, [], '--service is required'],
    ['db-credentials issue', { service: 'eligibility-api' }, [], '--database is required'],
    ['db-credentials issue', { service: 'eligibility-api', database: 'postgres://db' }, [], '--database must be a Secrets Manager secret ARN'],
    ['db-credentials issue', { service: 'eligibility-api', database: MASTER, 'ttl-minutes': 'soon' }, [], '--ttl-minutes must be a number'],
    ['db-credentials revoke', {}, [], "the credential's secret ARN is required"],
    ['db-credentials revoke', {}, ["x'; DROP ROLE app; --"], "the credential's secret ARN must be a Secrets Manager secret ARN"],
  ] as const)('%s %j %j: a usage error before any API call', async (name, values, positionals, message) => {
    const attempt = run(name, context({ ...values }, [...positionals]));
    await expect(attempt).rejects.toThrow(UsageError);
    await expect(run(name, context({ ...values }, [...positionals]))).rejects.toThrow(message);
  });

  it.each([
    [['secrets', 'rotate'], 'hms-sys: the secret ARN is required: a secret ARN such as arn:aws:secretsmanager:us-east-1:123456789012:secret:app-db-AbCdEf'],
    [
      ['secrets', 'status', 'eligibility-db'],
      'hms-sys: the secret ARN must be a Secrets Manager secret ARN such as arn:aws:secretsmanager:us-east-1:123456789012:secret:app-db-AbCdEf',
    ],
    [['db-credentials', 'issue', '--database', MASTER], 'hms-sys: --service is required'],
    [
      ['db-credentials', 'issue', '--service', 'eligibility-api', '--database', MASTER, '--ttl-minutes', '0'],
      'hms-sys: --ttl-minutes must be a whole number of minutes from 1 to 1440 (a day)',
    ],
    [
      ['db-credentials', 'issue', '--service', 'eligibility-api', '--database', 'db'],
      'hms-sys: --database must be a Secrets Manager secret ARN such as arn:aws:secretsmanager:us-east-1:123456789012:secret:app-db-AbCdEf',
    ],
    [
      ['db-credentials', 'issue', '--service', 'x', '--ttl', '5'],
      "hms-sys: unknown option --ttl for 'db-credentials issue'; see hms-sys db-credentials issue --help",
    ],
    [
      ['db-credentials', 'revoke'],
      "hms-sys: the credential's secret ARN is required: a secret ARN such as arn:aws:secretsmanager:us-east-1:123456789012:secret:app-db-AbCdEf",
    ],
  ])('the CLI answers %j with exit 2 and the usage error, not the missing token', (args, message) => {
    const result = cli(...args);
    expect(result.stderr.trim()).toBe(message);
    expect(result.status).toBe(2);
  });

  it('asks for a token only once the arguments are right', () => {
    const result = cli('secrets', 'rotate', ARN);
    expect(result.status).toBe(2);
    expect(result.stderr).toContain('no token: pass --token, set HMS_TOKEN, or start the sandbox with npm start');
  });
});

describe('secret ARNs and the db-credentials issue options', () => {
  it('accepts secret ARNs in any partition and refuses anything else', () => {
    for (const arn of [ARN, MASTER, CREDENTIAL]) expect(secretArn(arn, '--database')).toBe(arn);
    for (const bad of ['', 'eligibility-db', 'arn:aws:secretsmanager:us-east-1:0000:secret:x', 'arn:aws:ssm:us-east-1:000000000000:parameter/x', `${ARN} `]) {
      expect(() => secretArn(bad, '--database')).toThrow(UsageError);
    }
  });

  it("builds the POST /db-credentials body in the API's names, 60 minutes by default", () => {
    expect(credentialBody(context({ service: 'eligibility-api', database: MASTER }))).toEqual({ service: 'eligibility-api', database: MASTER, ttlMinutes: 60 });
    expect(credentialBody(context({ service: 'eligibility-api', database: MASTER, 'ttl-minutes': '1' }))).toMatchObject({ ttlMinutes: 1 });
    expect(credentialBody(context({ service: 'eligibility-api', database: MASTER, 'ttl-minutes': '1440' }))).toMatchObject({ ttlMinutes: 1440 });
  });

  it.each(['0', '-5', '1.5', '1441'])('refuses --ttl-minutes %s', (ttl) => {
    expect(() => credentialBody(context({ service: 'eligibility-api', database: MASTER, 'ttl-minutes': ttl }))).toThrow(
      '--ttl-minutes must be a whole number of minutes from 1 to 1440',
    );
  });
});

describe('what the commands send and print', () => {
  it('secrets list prints the table of name, strategy, policy, health and rotation times', async () => {
    const { api, calls } = recordingApi({ secrets: [row] });
    const lines = printed();
    await run('secrets list', context({}, [], api));
    expect(calls).toEqual([{ method: 'GET', path: '/secrets' }]);
    expect(lines[0]).toMatch(/^name +strategy +policy +health +lastRotatedAt +nextRotationAt$/);
    expect(lines[1]).toMatch(/^benefits\/eligibility-db +postgres-single-user +24h +ok +2026-11-23T09:00:00\.000Z +2026-11-25T00:00:00\.000Z$/);
  });

  it('secrets rotate posts the ARN in the body, where its slashes are safe, and says the rotation only started', async () => {
    const started = { secret: ARN, rotationStarted: true, versionId: 'a1b2c3d4-5678-90ab-cdef-EXAMPLE11111' };
    const { api, calls } = recordingApi(started);
    const lines = printed();
    await run('secrets rotate', context({}, [ARN], api));
    expect(calls).toEqual([{ method: 'POST', path: '/secrets/rotate', body: { secret: ARN } }]);
    expect(lines[0]).toMatch(/^secret +rotationStarted +versionId$/);
    expect(lines[1]).toMatch(new RegExp(`^${ARN} +true +a1b2c3d4-5678-90ab-cdef-EXAMPLE11111$`));
    expect(lines[2]).toBe(`\nstarted: Secrets Manager runs the rotation asynchronously; check it with hms-sys secrets status ${ARN}`);

    const json = printed();
    await run('secrets rotate', context({}, [ARN], api, 'json'));
    expect(json.map((l) => JSON.parse(l!))).toEqual([started]);
  });

  it("secrets status prints the one secret's row and its health", async () => {
    const other = { ...row, arn: `${ARN.slice(0, -6)}ZzZzZz`, name: 'other' };
    const { api } = recordingApi({ secrets: [other, row] });
    const lines = printed();
    await run('secrets status', context({}, [ARN], api));
    expect(lines).toHaveLength(3);
    expect(lines[1]).toMatch(/^benefits\/eligibility-db +postgres-single-user/);
    expect(lines[2]).toBe('\nok: the schedule rotates it by 2026-11-25T00:00:00.000Z');

    const json = printed();
    await run('secrets status', context({}, [ARN], api, 'json'));
    expect(JSON.parse(json[0]!)).toEqual(row);
  });

  it('secrets status says plainly when no secret under rotation has the ARN', async () => {
    const { api } = recordingApi({ secrets: [row] });
    const missing = `${ARN.slice(0, -6)}NoSuch`;
    await expect(run('secrets status', context({}, [missing], api))).rejects.toThrow(`no secret under rotation has the ARN ${missing}`);
  });

  it('db-credentials issue posts the body and prints the login without a password', async () => {
    const issued = {
      arn: CREDENTIAL,
      service: 'eligibility-api',
      database: MASTER,
      username: 'hms_eligibility_api_1a2b3c4d',
      expiresAt: '2026-11-23T10:01:00.000Z',
    };
    const { api, calls } = recordingApi(issued);
    const lines = printed();
    await run('db-credentials issue', context({ service: 'eligibility-api', database: MASTER, 'ttl-minutes': '1' }, [], api));
    expect(calls).toEqual([{ method: 'POST', path: '/db-credentials', body: { service: 'eligibility-api', database: MASTER, ttlMinutes: 1 } }]);
    expect(lines[0]).toMatch(/^arn +service +username +expiresAt$/);
    expect(lines[1]).toMatch(/ eligibility-api +hms_eligibility_api_1a2b3c4d +2026-11-23T10:01:00\.000Z$/);
  });

  it('db-credentials list filters by service in the query', async () => {
    const { api, calls } = recordingApi({ credentials: [] });
    printed();
    await run('db-credentials list', context({ service: 'eligibility-api' }, [], api));
    await run('db-credentials list', context({}, [], api));
    expect(calls.map((c) => c.path)).toEqual(['/db-credentials?service=eligibility-api', '/db-credentials']);
  });

  it('db-credentials revoke says what it revoked, and fails when nothing or not everything was', async () => {
    const lines = printed();
    await run('db-credentials revoke', context({}, [CREDENTIAL], recordingApi({ revoked: [CREDENTIAL], failures: [] }).api));
    expect(lines).toEqual([`revoked ${CREDENTIAL}`]);

    await expect(run('db-credentials revoke', context({}, [CREDENTIAL], recordingApi({ revoked: [], failures: [] }).api))).rejects.toThrow(
      `no issued credential has the ARN ${CREDENTIAL}`,
    );
    const failing = recordingApi({ revoked: [], failures: [{ arn: CREDENTIAL, error: 'PostgreSQL at 127.0.0.1:5432 as postgres: ECONNREFUSED' }] });
    await expect(run('db-credentials revoke', context({}, [CREDENTIAL], failing.api))).rejects.toThrow(`could not revoke ${CREDENTIAL}: PostgreSQL at`);
  });
});
