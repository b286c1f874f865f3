import { type Command, type CommandContext, UsageError } from '../command.ts';
import { print } from '../output.ts';

const columns = ['name', 'strategy', 'policy', 'health', 'lastRotatedAt', 'nextRotationAt'];
const EXAMPLE_ARN = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:app-db-AbCdEf';
/** The shape the API accepts; it judges the details. */
const ARN = /^arn:aws(-[a-z]+)*:secretsmanager:[a-z0-9-]+:\d{12}:secret:[A-Za-z0-9/_+=.@-]+$/;

interface SecretRow {
  arn: string;
  name: string;
  health: string;
  detail: string;
}

/** A secret ARN from `value`, refused in the words of `what` (an option such as --database, or the argument). */
export function secretArn(value: unknown, what: string): string {
  if (typeof value !== 'string' || value === '') throw new UsageError(`${what} is required: a secret ARN such as ${EXAMPLE_ARN}`);
  if (!ARN.test(value)) throw new UsageError(`${what} must be a Secrets Manager secret ARN such as ${EXAMPLE_ARN}`);
  return value;
}

const arnOf = (ctx: CommandContext) => secretArn(ctx.positionals[0], 'the secret ARN');

const listSecrets = async (ctx: CommandContext) => ((await ctx.api().call('GET', '/secrets')) as { secrets: SecretRow[] }).secrets;

export const secretCommands: Command[] = [
  {
    name: 'secrets list',
    summary: 'secrets under rotation, with their strategy, policy and health',
    usage: 'secrets list',
    options: {},
    run: async (ctx) => print(await listSecrets(ctx), ctx.output, columns),
  },
  {
    name: 'secrets rotate',
    summary: 'start a rotation of one secret now; it finishes asynchronously, and its consumers restart when it succeeds',
    usage: 'secrets rotate ARN',
    options: {},
    run: async (ctx) => {
      const secret = arnOf(ctx);
      const started = await ctx.api().call('POST', '/secrets/rotate', { secret });
      print(started, ctx.output, ['secret', 'rotationStarted', 'versionId']);
      // RotateSecret only starts the rotation: its outcome is the version becoming AWSCURRENT, or a RotationFailed event.
      if (ctx.output !== 'json') console.log(`\nstarted: Secrets Manager runs the rotation asynchronously; check it with hms-sys secrets status ${secret}`);
    },
  },
  {
    name: 'secrets status',
    summary: "one secret's strategy, policy, health and rotation times",
    usage: 'secrets status ARN',
    options: {},
    run: async (ctx) => {
      const arn = arnOf(ctx);
      const row = (await listSecrets(ctx)).find((s) => s.arn === arn);
      if (!row) throw new Error(`no secret under rotation has the ARN ${arn}: it is absent or has no hms:rotation-strategy tag (see hms-sys secrets list)`);
      if (ctx.output === 'json') return print(row, 'json');
      print(row, 'table', columns);
      console.log(`\n${row.health}: ${row.detail}`);
    },
  },
];
