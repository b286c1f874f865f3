import type { CreateRuleInput, CreateServiceInput } from '#domain/schemas.ts';
import type { Caller } from '#ports/ports.ts';
import { createRule } from '#use-cases/rules.ts';
import { createService } from '#use-cases/services.ts';
import { memoryPorts } from './memory-ports.ts';

/** The service most use-case tests register: one Deployment in the sandbox cluster. */
export const ELIGIBILITY_API = {
  name: 'eligibility-api',
  cluster: 'sandbox',
  namespace: 'benefits',
  deployment: 'eligibility-api',
  tags: { agency: 'ED', program: 'FSA', fiscalYear: 'FY2026' },
} satisfies CreateServiceInput;

/** A second, unrelated service for tests of bursts and metering. */
export const PORTAL = {
  name: 'portal',
  cluster: 'sandbox',
  namespace: 'fema',
  deployment: 'portal',
  tags: { agency: 'FEMA', program: 'IA', fiscalYear: 'FY2027' },
} satisfies CreateServiceInput;

/** The rule AR-101 on eligibility-api: 4 to 20 replicas, scaling out above 500 requests a second. */
export const AR_101 = {
  service: 'eligibility-api',
  minReplicas: 4,
  maxReplicas: 20,
  trigger: { metric: 'http_rps', threshold: 500 },
} satisfies CreateRuleInput;

interface Seed {
  now?: Date;
  /** The service to register; eligibility-api unless given. */
  service?: CreateServiceInput;
  /** Also create AR-101 on it. */
  rule?: boolean;
}

/** Memory ports with one service registered (and AR-101, if asked), as a real (not dry-run) caller made them. */
export async function seededPorts(caller: Caller, { now, service = ELIGIBILITY_API, rule = false }: Seed = {}) {
  const env = memoryPorts(now);
  await createService(env.ports, caller, service, { dryRun: false });
  if (rule) await createRule(env.ports, caller, AR_101, { dryRun: false });
  return env;
}
