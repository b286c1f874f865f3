import { type Command, need, UsageError } from '../command.ts';
import { printResult } from '../output.ts';

const STRATEGIES = ['single-user', 'alternating-users'];

export const sandboxCommands: Command[] = [
  {
    name: 'sandbox pod',
    summary:
      'in the sandbox: slow a meshed pod, make a share of its answers 500, or fail it (connections refused) and recover it, so retries and breakers show',
    usage: 'sandbox pod POD [--latency MS] [--error-rate 0..1] [--fail | --recover]',
    options: { latency: { type: 'string' }, 'error-rate': { type: 'string' }, fail: { type: 'boolean' }, recover: { type: 'boolean' } },
    describe: {
      latency: 'milliseconds the pod waits before each answer (0 for none)',
      'error-rate': 'the share of its answers that are 500, spread evenly: 0.5 is every second one',
      fail: "the pod's server stops listening: connections are refused, as a crashed container's are",
      recover: 'the pod listens again, with no latency and no errors unless given',
    },
    run: async (ctx) => {
      const pod = ctx.positionals[0];
      if (!pod) throw new UsageError('name the pod: hms-sys sandbox pod POD (kubectl get pods lists them)');
      const number = (flag: string) => {
        const raw = ctx.values[flag];
        if (typeof raw !== 'string') return undefined;
        const value = Number(raw);
        if (raw.trim() === '' || !Number.isFinite(value)) throw new UsageError(`--${flag} must be a number`);
        return value;
      };
      const latencyMs = number('latency');
      const errorRate = number('error-rate');
      const body = {
        pod,
        ...(latencyMs === undefined ? {} : { latencyMs }),
        ...(errorRate === undefined ? {} : { errorRate }),
        ...(ctx.values.fail === true ? { fail: true } : {}),
        ...(ctx.values.recover === true ? { recover: true } : {}),
      };
      printResult(await ctx.api().call('POST', '/sandbox/mesh/pods', body), ctx.output, [
        'pod',
        'service',
        'namespace',
        'latencyMs',
        'errorRate',
        'failed',
        'requests',
      ]);
    },
  },
  {
    name: 'sandbox db-secret create',
    summary: 'in the sandbox: a PostgreSQL login in the embedded server and its secret, tagged for rotation (needs npm start -- --postgres)',
    usage: 'sandbox db-secret create --name NAME (--strategy single-user|alternating-users [--username U] [--policy 24h] | --template-role ROLE)',
    options: {
      name: { type: 'string' },
      strategy: { type: 'string' },
      username: { type: 'string' },
      policy: { type: 'string' },
      'template-role': { type: 'string' },
    },
    describe: {
      name: "the secret's name, e.g. benefits/eligibility-db",
      strategy: "single-user: the login's password changes in place; alternating-users: a clone login takes turns with it",
      username: 'the PostgreSQL login (default: from the name, e.g. eligibility_db)',
      policy: 'hms:rotation-policy, how often it rotates: 4h at least, e.g. 24h or 7d (default 24h)',
      'template-role': 'instead of --strategy: a master secret for db-credentials issue, tagged hms:template-role ROLE (made with pg_read_all_data if absent)',
    },
    run: async (ctx) => {
      const templateRole = ctx.values['template-role'];
      if (typeof templateRole === 'string') {
        if (ctx.values.strategy !== undefined) throw new UsageError('--template-role makes a master secret: give it without --strategy');
        const made = await ctx.api().call('POST', '/sandbox/db-secrets', { name: need(ctx, 'name'), templateRole });
        printResult(made, ctx.output, ['name', 'templateRole', 'roleCreated', 'arn']);
        return;
      }
      const strategy = need(ctx, 'strategy');
      if (!STRATEGIES.includes(strategy)) throw new UsageError(`--strategy must be ${STRATEGIES.join(' or ')}`);
      const body = {
        name: need(ctx, 'name'),
        strategy,
        ...(typeof ctx.values.username === 'string' ? { username: ctx.values.username } : {}),
        ...(typeof ctx.values.policy === 'string' ? { policy: ctx.values.policy } : {}),
      };
      printResult(await ctx.api().call('POST', '/sandbox/db-secrets', body), ctx.output, ['name', 'strategy', 'policy', 'username', 'arn']);
    },
  },
];
