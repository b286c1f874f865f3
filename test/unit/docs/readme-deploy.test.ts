/**
 * The README's Deploy section against what the stack deploys: the functions and their names, the
 * Kubernetes groups and access entries, the VPC endpoints the functions' SDK clients need (and
 * their FIPS hosts), and the reserved concurrency the account quota must cover.
 */
import { readFileSync } from 'node:fs';
import { Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { LAMBDA_UNRESERVED_MINIMUM } from '../../../infra/config.ts';
import { hmsFunctionName } from '../../../infra/constructs/hms-function.ts';
import { FUNCTION_DECLARATIONS } from '../../../infra/hms-sys-stack.ts';
import { RBAC_GROUPS } from '../../../infra/rbac.ts';
import { AWS_ADAPTERS, constructedOperations, handlerFile, importedCommands, reachableFiles } from '../../infra/adapter-sources.ts';
import { buildStack, type TemplateResource } from '../../infra/stack-fixture.ts';

const readme = readFileSync(new URL('../../../README.md', import.meta.url), 'utf8');
const deploy = readme.slice(readme.indexOf('## Deploy'), readme.indexOf('## API reference'));
const network = deploy.slice(deploy.indexOf('### Network'), deploy.indexOf('### Concurrency'));
const backticked = (text: string) => [...text.matchAll(/`([^`]+)`/g)].map(([, name]) => name!);

const { stack } = buildStack();
const template = Template.fromStack(stack).toJSON() as { Resources: Record<string, TemplateResource>; Outputs: Record<string, { Value: unknown }> };
const resourcesOf = (type: string) => Object.values(template.Resources).filter((r) => r.Type === type);

/** The SDK client packages each declared function's handler can load, by package. */
function callersByPackage(): Map<string, string[]> {
  const callers = new Map<string, string[]>();
  for (const { name } of FUNCTION_DECLARATIONS) {
    const adapters = [...reachableFiles(handlerFile(name))].filter((f) => f.startsWith(AWS_ADAPTERS) && constructedOperations(f).length > 0);
    for (const sdkPackage of new Set(adapters.flatMap((f) => importedCommands(f).map((c) => c.sdkPackage)))) {
      callers.set(sdkPackage, [...(callers.get(sdkPackage) ?? []), name]);
    }
  }
  return callers;
}

/** The host a client of the package sends to, as its own endpoint rules resolve it. */
async function hostOf(sdkPackage: string, region: string, fips: boolean): Promise<string> {
  const module = (await import(sdkPackage)) as Record<string, unknown>;
  const [, Client] = Object.entries(module).find(([key, value]) => /^[A-Z]\w*Client$/.test(key) && typeof value === 'function')!;
  const client = new (Client as new (config: object) => { config: { endpointProvider: (p: object) => { url: URL } } })({ region });
  return client.config.endpointProvider({ Region: region, UseFIPS: fips, UseDualStack: false }).url.hostname;
}

/** DynamoDB (and S3) are the services reached through gateway endpoints; the rest through interface endpoints (AWS PrivateLink guide). */
const GATEWAY_SERVICES = new Set(['dynamodb', 's3']);

describe("the README's Deploy section", () => {
  it('lists every declared function, with the count', () => {
    const [, count, list] = /- (\d+) functions: (.*?) \(Node/.exec(deploy) ?? [];
    expect(Number(count)).toBe(FUNCTION_DECLARATIONS.length);
    expect(backticked(list ?? '').sort()).toEqual(FUNCTION_DECLARATIONS.map((d) => d.name).sort());
  });

  it('names every deployed function', () => {
    const [, names] = /Function names are fixed \(([^)]*)\)/.exec(deploy) ?? [];
    const deployed = resourcesOf('AWS::Lambda::Function')
      .map((r) => String(r.Properties.FunctionName))
      .filter((n) => n.startsWith('hms-sys-'));
    expect(backticked(names ?? '').sort()).toEqual(FUNCTION_DECLARATIONS.map(hmsFunctionName).sort());
    expect(deployed.sort()).toEqual(FUNCTION_DECLARATIONS.map(hmsFunctionName).sort());
  });

  it('describes each Kubernetes group `hms-sys rbac` prints, with the count', () => {
    const [, count] = /for (\d+) groups/.exec(deploy) ?? [];
    const described = [...deploy.matchAll(/^- `(hms-sys:[a-z-]+)`/gm)].map(([, group]) => group!);
    const groups = Object.values(RBAC_GROUPS).map((g) => g.group);
    expect(Number(count)).toBe(groups.length);
    expect(described.sort()).toEqual(groups.sort());
  });

  it('counts the access entries the stack makes, and names their groups', () => {
    const entries = resourcesOf('AWS::EKS::AccessEntry');
    const [, count, groupText] = /- (\d+) EKS access entries, .*? in the (.*?) Kubernetes groups/.exec(deploy) ?? [];
    expect(Number(count)).toBe(entries.length);
    expect(backticked(groupText ?? '').sort()).toEqual([...new Set(entries.flatMap((e) => e.Properties.KubernetesGroups as string[]))].sort());
  });

  it("lists the VPC endpoints the functions' SDK clients need, with their type and callers, and no other", async () => {
    const rows = [...network.matchAll(/^\| `com\.amazonaws\.<region>\.([a-z0-9-]+)` \| (Gateway|Interface) \| ([^|]+) \|/gm)].map(
      ([, service, type, callers]) => ({
        service: service!,
        type: type!,
        callers: callers!
          .split(',')
          .map((c) => c.trim())
          .sort(),
      }),
    );
    const expected = await Promise.all(
      [...callersByPackage()].map(async ([sdkPackage, callers]) => {
        const service = (await hostOf(sdkPackage, 'us-east-1', false)).split('.')[0]!;
        return { service, type: GATEWAY_SERVICES.has(service) ? 'Gateway' : 'Interface', callers: [...callers].sort() };
      }),
    );
    const byService = (a: { service: string }, b: { service: string }) => a.service.localeCompare(b.service);
    expect(rows.sort(byService)).toEqual(expected.sort(byService));
  });

  it('names the host each SDK client uses in GovCloud with FIPS on', async () => {
    for (const sdkPackage of callersByPackage().keys()) {
      const host = (await hostOf(sdkPackage, 'us-gov-west-1', true)).replace('us-gov-west-1', '<region>');
      expect(network, sdkPackage).toContain(`\`${host}\``);
    }
  });

  it('states the reserved total and the account quota it needs, as the stack reserves', () => {
    const total = Number(template.Outputs.ReservedConcurrency!.Value);
    const [, stated] = /That is (\d+) in all/.exec(deploy) ?? [];
    const [, quota] = /\*\*(\d+)\*\* by default/.exec(deploy) ?? [];
    expect(Number(stated)).toBe(total);
    expect(Number(quota)).toBe(total + LAMBDA_UNRESERVED_MINIMUM);
  });
});
