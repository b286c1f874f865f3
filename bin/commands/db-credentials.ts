import { type Command, type CommandContext, need, number, UsageError } from '../command.ts';
import { print } from '../output.ts';
import { secretArn } from './secrets.ts';

const columns = ['arn', 'service', 'username', 'expiresAt'];
/** The API's range: a minute to a day. */
const MAX_TTL_MINUTES = 24 * 60;

/** The POST /db-credentials body from the options, refusing what the API would refuse, in the options' own names. */
export function credentialBody(ctx: CommandContext) {
  const service = need(ctx, 'service');
  const database = secretArn(ctx.values.database, '--database');
  const ttlMinutes = number(ctx, 'ttl-minutes') ?? 60;
  if (!Number.isInteger(ttlMinutes) || ttlMinutes < 1 || ttlMinutes > MAX_TTL_MINUTES) {
    throw new UsageError(`--ttl-minutes must be a whole number of minutes from 1 to ${MAX_TTL_MINUTES} (a day)`);
  }
  return { service, database, ttlMinutes };
}

export const dbCredentialCommands: Command[] = [
  {
    name: 'db-credentials issue',
    summary: 'issue a short-lived PostgreSQL login, stored as a secret (never printed)',
    usage: 'db-credentials issue --service S --database MASTER_ARN [--ttl-minutes 60]',
    options: { service: { type: 'string' }, database: { type: 'string' }, 'ttl-minutes': { type: 'string' } },
    describe: {
      service: 'the registered service the login is for',
      database: 'the ARN of the master secret, tagged hms:template-role with the role whose grants the login gets',
      'ttl-minutes': 'how long the login lives, 1 to 1440 (default 60); the revoker drops it within 5 minutes after',
    },
    run: async (ctx) => {
      const body = credentialBody(ctx);
      print(await ctx.api().call('POST', '/db-credentials', body), ctx.output, columns);
    },
  },
  {
    name: 'db-credentials list',
    summary: 'issued database logins and when they expire',
    usage: 'db-credentials list [--service S]',
    options: { service: { type: 'string' } },
    describe: { service: "only this service's logins" },
    run: async (ctx) => {
      const service = ctx.values.service;
      const query = typeof service === 'string' ? `?${new URLSearchParams({ service })}` : '';
      const page = (await ctx.api().call('GET', `/db-credentials${query}`)) as { credentials: unknown[] };
      print(page.credentials, ctx.output, columns);
    },
  },
  {
    name: 'db-credentials revoke',
    summary: 'revoke a login now: drop its role, ending its sessions, and delete its secret',
    usage: 'db-credentials revoke ARN',
    options: {},
    run: async (ctx) => {
      const arn = secretArn(ctx.positionals[0], "the credential's secret ARN");
      const result = (await ctx.api().call('POST', '/db-credentials/revoke', { arn })) as {
        revoked: string[];
        failures: Array<{ arn: string; error: string }>;
      };
      const failure = result.failures.find((f) => f.arn === arn);
      if (failure) throw new Error(`could not revoke ${arn}: ${failure.error}`);
      if (!result.revoked.includes(arn)) throw new Error(`no issued credential has the ARN ${arn} (see hms-sys db-credentials list)`);
      if (ctx.output === 'json') return print(result, 'json');
      console.log(`revoked ${arn}`);
    },
  },
];
