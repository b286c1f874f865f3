import { Template } from 'aws-cdk-lib/assertions';
import { describe, expect, test } from 'vitest';
import { DEFAULT_RESERVED_CONCURRENCY, LAMBDA_UNRESERVED_MINIMUM, OPTIONAL_CONTEXT_KEYS, readConfig } from '../../infra/config.ts';
import { FUNCTION_DECLARATIONS } from '../../infra/hms-sys-stack.ts';
import { buildStack, synthesizeWithNag, TEST_CONTEXT, type TemplateResource } from './stack-fixture.ts';

const ACCOUNT = '111122223333';

/** Each deployed function's environment variables and reservation, by function name. */
function functionsOf(context: Record<string, unknown> = {}, region?: string) {
  const { stack } = buildStack(context, region === undefined ? undefined : { account: ACCOUNT, region });
  const template = Template.fromStack(stack).toJSON() as { Resources: Record<string, TemplateResource>; Outputs: Record<string, { Value: unknown }> };
  const functions = Object.values(template.Resources)
    .filter((r) => r.Type === 'AWS::Lambda::Function' && String(r.Properties.FunctionName).startsWith('hms-sys-'))
    .map((r) => ({
      name: String(r.Properties.FunctionName),
      environment: r.Properties.Environment.Variables as Record<string, unknown>,
      reserved: r.Properties.ReservedConcurrentExecutions as number | undefined,
    }));
  return { functions, template };
}

describe('FIPS endpoints (hms:fips)', () => {
  test('a stack for us-gov-west-1 sets AWS_USE_FIPS_ENDPOINT=true on every function', () => {
    const { functions } = functionsOf({}, 'us-gov-west-1');
    expect(functions).toHaveLength(FUNCTION_DECLARATIONS.length);
    for (const fn of functions) expect(fn.environment.AWS_USE_FIPS_ENDPOINT, fn.name).toBe('true');
  });

  test('a stack for us-east-1 leaves it unset, and hms:fips=true sets it there', () => {
    for (const fn of functionsOf({}, 'us-east-1').functions) expect(fn.environment, fn.name).not.toHaveProperty('AWS_USE_FIPS_ENDPOINT');
    for (const fn of functionsOf({ [OPTIONAL_CONTEXT_KEYS.fips]: 'true' }, 'us-east-1').functions) expect(fn.environment.AWS_USE_FIPS_ENDPOINT).toBe('true');
  });

  test('hms:fips=false turns it off in GovCloud', () => {
    for (const fn of functionsOf({ [OPTIONAL_CONTEXT_KEYS.fips]: false }, 'us-gov-west-1').functions) {
      expect(fn.environment, fn.name).not.toHaveProperty('AWS_USE_FIPS_ENDPOINT');
    }
  });

  test('the environment-agnostic stack (infra/app.ts) decides at deploy time: true in the aws-us-gov partition, false elsewhere', () => {
    const { functions, template } = functionsOf();
    for (const fn of functions) expect(fn.environment.AWS_USE_FIPS_ENDPOINT, fn.name).toEqual({ 'Fn::If': ['InGovCloud', 'true', 'false'] });
    expect((template as unknown as { Conditions: Record<string, unknown> }).Conditions.InGovCloud).toEqual({
      'Fn::Equals': [{ Ref: 'AWS::Partition' }, 'aws-us-gov'],
    });
  });

  test('a malformed hms:fips fails synth naming the key', () => {
    expect(() => readConfig((key) => (({ ...TEST_CONTEXT, [OPTIONAL_CONTEXT_KEYS.fips]: 'yes' }) as Record<string, unknown>)[key])).toThrow(
      `Malformed context value "${OPTIONAL_CONTEXT_KEYS.fips}"`,
    );
  });
});

describe('reserved concurrency (hms:reservedConcurrency)', () => {
  const limited = FUNCTION_DECLARATIONS.filter((d) => d.maxInstances !== undefined);
  const reservedTotal = (each: number) => (FUNCTION_DECLARATIONS.length - limited.length) * each + limited.reduce((sum, d) => sum + d.maxInstances!, 0);
  const outputOf = (template: { Outputs: Record<string, { Value: unknown }> }) => Number(template.Outputs.ReservedConcurrency!.Value);

  test(`reserves ${DEFAULT_RESERVED_CONCURRENCY} per function by default, a declared maxInstances as declared, and outputs the total`, () => {
    const { functions, template } = functionsOf();
    for (const fn of functions) {
      const declared = limited.find((d) => `hms-sys-${d.name}` === fn.name)?.maxInstances;
      expect(fn.reserved, fn.name).toBe(declared ?? DEFAULT_RESERVED_CONCURRENCY);
    }
    expect(outputOf(template)).toBe(reservedTotal(DEFAULT_RESERVED_CONCURRENCY));
    // The quota the default needs: the total plus the 100 Lambda keeps unreserved.
    // 161 for the 13 functions before the mesh, 171 with the mesh and mesh-ops functions.
    expect(outputOf(template) + LAMBDA_UNRESERVED_MINIMUM).toBe(171);
  });

  test('takes a number per function, from cdk.json or -c', () => {
    // 4: a number no function declares as its maxInstances, so the count below is of the unlimited ones alone.
    for (const value of [4, '4']) {
      const { functions, template } = functionsOf({ [OPTIONAL_CONTEXT_KEYS.reservedConcurrency]: value });
      expect(functions.filter((fn) => fn.reserved === 4)).toHaveLength(FUNCTION_DECLARATIONS.length - limited.length);
      expect(outputOf(template)).toBe(reservedTotal(4));
    }
  });

  test.each(['none', 0, '0'])('%s reserves nothing but a declared maxInstances, which is a limit', (value) => {
    const { functions, template } = functionsOf({ [OPTIONAL_CONTEXT_KEYS.reservedConcurrency]: value });
    expect(functions.filter((fn) => fn.reserved !== undefined).map((fn) => fn.name)).toEqual(limited.map((d) => `hms-sys-${d.name}`));
    expect(outputOf(template)).toBe(reservedTotal(0));
  });

  test.each([-1, 1.5, 'some'])('refuses %s', (value) => {
    expect(() => buildStack({ [OPTIONAL_CONTEXT_KEYS.reservedConcurrency]: value })).toThrow(
      `Malformed context value "${OPTIONAL_CONTEXT_KEYS.reservedConcurrency}"`,
    );
  });

  test('unreserved functions leave cdk-nag with nothing unacknowledged', () => {
    expect(synthesizeWithNag({ [OPTIONAL_CONTEXT_KEYS.reservedConcurrency]: 'none' }).findings).toEqual([]);
  });
});
