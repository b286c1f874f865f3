import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { useSandbox } from './sandbox-fixture.ts';

const sb = useSandbox();

interface Lookup {
  kind: string;
  actor: string;
  action: string;
  target: string;
  before: { query: Record<string, string> };
  outcome: string;
  reasons: string[];
  stream: string;
  intent: string;
}

/** Runs the hms-sys CLI against the sandbox, as a user would with its URL and a token. */
function cli(token: string, ...args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'bin/cli.ts', ...args, '--url', sb.sandbox.url, '--token', token], {
      env: { ...process.env, HMS_DATA_DIR: '/nonexistent-hms-sys' },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => {
      stdout += chunk;
    });
    child.stderr.on('data', (chunk) => {
      stderr += chunk;
    });
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

/** Every lookup listed, newest first, through the API's pages. */
async function allLookups(): Promise<Lookup[]> {
  const found: Lookup[] = [];
  let cursor: string | null = null;
  do {
    const page: { status: number; body: { records: Lookup[]; nextCursor: string | null } } = await sb.http(
      'GET',
      `/audit?kind=lookup&limit=200${cursor ? `&cursor=${cursor}` : ''}`,
    );
    expect(page.status).toBe(200);
    found.push(...page.body.records);
    cursor = page.body.nextCursor;
  } while (cursor);
  return found;
}

describe('lookups through the sandbox API', () => {
  it('records reads of all three HTTP functions at once, with who, what, the query and the outcome, apart from the changes', async () => {
    expect((await sb.service('lookup-svc', 'benefits', 'receipt-svc')).status).toBe(201);
    expect((await sb.http('GET', '/services/lookup-svc')).status).toBe(200);
    expect((await sb.http('GET', '/autoscale-rules?service=lookup-svc')).status).toBe(200);
    expect((await sb.http('GET', '/budgets')).status).toBe(200);
    expect((await sb.http('GET', '/secrets')).status).toBe(200);

    const lookups = await allLookups();
    const admin = lookups.find((l) => l.action === 'lookup.getService')!.actor;
    for (const [action, target] of [
      ['lookup.getService', '/services/lookup-svc'],
      ['lookup.listRules', '/autoscale-rules'],
      ['lookup.listBudgets', '/budgets'],
      ['lookup.listSecrets', '/secrets'],
    ]) {
      expect(lookups, action).toContainEqual(expect.objectContaining({ kind: 'lookup', action, target, actor: admin, outcome: 'success' }));
    }
    expect(lookups.find((l) => l.action === 'lookup.listRules')!.before).toEqual({ query: { service: 'lookup-svc' } });
    expect(lookups.every((l) => /^lookup#\d{4}-\d{2}-\d{2}$/.test(l.stream) && l.intent)).toBe(true);

    const changes = (await sb.http('GET', '/audit?limit=200')).body.records as Array<{ action: string; kind?: string }>;
    expect(changes.map((r) => r.action)).toContain('service.create');
    expect(changes.some((r) => r.kind === 'lookup' || r.action.startsWith('lookup.'))).toBe(false);
  });

  it('records a read denied for want of its scope, then answers 403', async () => {
    const denied = await sb.http('GET', '/autoscale-rules', undefined, sb.sandbox.tokens.auditor!);
    expect(denied.status).toBe(403);
    expect(denied.body.error.message).toContain('hms/rules.read');
    const refused = await sb.http('GET', '/secrets', undefined, sb.sandbox.tokens.auditor!);
    expect(refused.status).toBe(403);

    const lookups = await allLookups();
    expect(lookups).toContainEqual(
      expect.objectContaining({ action: 'lookup.listRules', outcome: 'denied', reasons: ['the token lacks the scope hms/rules.read'] }),
    );
    expect(lookups).toContainEqual(expect.objectContaining({ action: 'lookup.listSecrets', outcome: 'denied' }));
    // A write without its scope is still refused at the gateway, and is no lookup.
    expect((await sb.http('POST', '/services', {}, sb.sandbox.tokens.auditor!)).status).toBe(403);
  });

  it("verifies the day's lookup stream, and refuses bad lookup queries with 400", async () => {
    const stream = (await allLookups())[0]!.stream;
    const day = stream.slice('lookup#'.length);
    const report = await sb.http('GET', `/audit/verify?kind=lookup&day=${day}&from=genesis`);
    expect(report.status).toBe(200);
    expect(report.body).toMatchObject({ stream, intact: true, complete: true });
    expect(report.body.records).toBeGreaterThan(5);

    expect(await sb.http('GET', '/audit?kind=lookup&service=lookup-svc')).toMatchObject({ status: 400, body: { error: { field: 'query.service' } } });
    expect(await sb.http('GET', '/audit?kind=lookups')).toMatchObject({ status: 400, body: { error: { field: 'query.kind' } } });
    expect(await sb.http('GET', '/audit/verify?kind=lookup&day=2026-13-01')).toMatchObject({ status: 400, body: { error: { field: 'query.day' } } });
    expect(await sb.http('GET', '/audit/verify?kind=lookup&day=1999-01-01')).toMatchObject({ status: 404, body: { error: { field: 'query.day' } } });
  });

  it('records a failed audit --lookups or audit verify --lookups as failure, not as the success its own drain would have chained', async () => {
    const reader = await sb.sandbox.issueToken(['hms/audit.read'], 'cli.failing@agency.gov');
    const noDay = await cli(reader, 'audit', 'verify', '--lookups', '--day', '2026-12-01');
    expect(noDay.status).toBe(1);
    const edited = Buffer.from('{"edited":true}').toString('base64url');
    const badCursor = await cli(reader, 'audit', '--lookups', '--cursor', edited);
    expect(badCursor.status).toBe(1);

    // A later listing chains them (its own drain runs for other requests' lookups).
    const mine = (await allLookups()).filter((l) => l.actor === 'cli.failing@agency.gov');
    expect(mine.map((l) => [l.action, l.before.query, l.outcome])).toEqual(
      expect.arrayContaining([
        ['lookup.verifyAudit', expect.objectContaining({ kind: 'lookup', day: '2026-12-01' }), 'failure'],
        ['lookup.listAudit', expect.objectContaining({ kind: 'lookup', cursor: edited }), 'failure'],
      ]),
    );
    expect(mine.some((l) => l.outcome === 'success' && (l.before.query.day === '2026-12-01' || l.before.query.cursor === edited))).toBe(false);
  });

  it("shows the lookups with hms-sys audit --lookups, the CLI's own reads among them, and verifies the day with audit verify --lookups", async () => {
    const reader = await sb.sandbox.issueToken(['hms/rules.read', 'hms/audit.read'], 'cli.reader@agency.gov');
    const listed = await cli(reader, 'services', 'list');
    expect(listed.status, listed.stderr).toBe(0);
    const shown = await cli(reader, 'audit', '--lookups', '--output', 'json');
    expect(shown.status, shown.stderr).toBe(0);
    const page = JSON.parse(shown.stdout) as { records: Lookup[] };
    expect(page.records).toContainEqual(expect.objectContaining({ actor: 'cli.reader@agency.gov', action: 'lookup.listServices', outcome: 'success' }));
    const table = await cli(reader, 'audit', '--lookups');
    expect(table.stdout).toMatch(/cli\.reader@agency\.gov\s+lookup\.listServices\s+\/services\s+\{"query":\{\}\}\s+success/);
    const day = page.records[0]!.stream.slice('lookup#'.length);
    const verified = await cli(reader, 'audit', 'verify', '--lookups', '--day', day, '--output', 'json');
    expect(verified.status, verified.stderr).toBe(0);
    expect(JSON.parse(verified.stdout)).toMatchObject({ stream: `lookup#${day}`, intact: true });
  });
});
