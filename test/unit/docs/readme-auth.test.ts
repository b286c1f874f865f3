import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { readConfig } from '#infra/config.ts';

const readme = readFileSync(new URL('../../../README.md', import.meta.url), 'utf8');
const cdkJson = JSON.parse(readFileSync(new URL('../../../cdk.json', import.meta.url), 'utf8')) as { context: Record<string, unknown> };

/** The `-c key=value` pairs of the README's `npx cdk deploy` example. */
function deployExampleContext(): Record<string, string> {
  const block = /```bash\n(npx cdk deploy[\s\S]*?)```/.exec(readme)?.[1];
  if (!block) throw new Error('the README has no npx cdk deploy example');
  return Object.fromEntries([...block.matchAll(/-c (hms:[\w]+)=(\S+)/g)].map(([, key, value]) => [key!, value!]));
}

const COGNITO = 'https://cognito-idp.us-gov-west-1.amazonaws.com/us-gov-west-1_AbCdEfGhI';
const withAuth = (issuer: string, audience: string) => ({ ...cdkJson.context, 'hms:jwtIssuer': issuer, 'hms:jwtAudience': audience });

describe("the JWT authorizer's audience, as API Gateway matches Cognito tokens", () => {
  it("the README's deploy example names a Cognito issuer and its app client id, and the stack accepts it", () => {
    const context = deployExampleContext();
    expect(context['hms:jwtIssuer']).toMatch(/^https:\/\/cognito-idp\./);
    expect(readConfig((key) => context[key] ?? cdkJson.context[key]).jwtAudience).toEqual([context['hms:jwtAudience']]);
  });

  it("cdk.json's defaults synthesize too", () => {
    expect(() => readConfig((key) => cdkJson.context[key])).not.toThrow();
  });

  it("refuses, with a Cognito issuer, an audience that cannot be an app client id, as the old example's hms-sys-api", () => {
    const read = (context: Record<string, unknown>) => (key: string) => context[key];
    expect(() => readConfig(read(withAuth(COGNITO, 'hms-sys-api')))).toThrow(/app client ids.*"hms-sys-api"/);
    expect(readConfig(read(withAuth(COGNITO, '7k2h4example0q1r5s8t9u3v6w,second+client'))).jwtAudience).toHaveLength(2);
    // Other issuers put an API audience in aud, any shape: Okta's api://default, Entra's application ID URI.
    expect(readConfig(read(withAuth('https://agency.okta.com/oauth2/default', 'api://default'))).jwtAudience).toEqual(['api://default']);
  });
});
