/**
 * The renderings the golden files pin: one per seed manifest, the seed TrafficPolicy, a pause, an open
 * breaker and ambient mode. Inputs come from the seeds verbatim through the manifest parser.
 */
import { readFileSync } from 'node:fs';
import { stringify } from 'yaml';
import type { Breaker, MeshService, Pause, TrafficPolicy } from '#domain/mesh/canonical.ts';
import { parseManifest } from '#domain/mesh/manifest-parse.ts';
import type { RenderedSet, RenderInput } from '#domain/mesh/rendering.ts';

export const ROOT = new URL('../../../../', import.meta.url);
export const GOLDEN_DIR = new URL('test/fixtures/mesh-golden/', ROOT);

export const seedDocument = (path: string) =>
  parseManifest(readFileSync(new URL(`test/fixtures/seeds/${path}`, ROOT), 'utf8'), { defaultNamespace: 'default' }).document;
const seedService = (path: string) => seedDocument(path) as MeshService;

const base = (service: MeshService): RenderInput => ({ service, mode: 'sidecar', trustDomain: 'cluster.local', policies: [], sourceNamespaces: {} });

export const PAUSE: Pause = {
  service: 'fraud-scanner',
  namespace: 'default',
  until: '2026-12-03T18:00:00.000Z',
  by: 'role/operator',
  reason: 'chapter 7: pause fraud-scanner for 30 minutes',
  createdAt: '2026-12-03T17:30:00.000Z',
  version: 1,
};

export const BREAKER: Breaker = {
  service: 'notification-svc',
  namespace: 'default',
  openedAt: '2026-12-03T17:30:00.000Z',
  until: '2026-12-03T17:30:30.000Z',
  alarm: 'hms-mesh-breaker-notification-svc',
  reasons: ['5xx at 40% passed errorPercent 20'],
  version: 1,
};

export interface GoldenCase {
  name: string;
  /** What the case is, for the golden file's header. */
  about: string;
  input: () => RenderInput;
}

export const GOLDEN_CASES: GoldenCase[] = [
  { name: 'receipt', about: "chapter 12's receipt.hms.yml", input: () => base(seedService('receipt.hms.yml')) },
  { name: 'notification', about: "chapter 10's manifests/notification.yaml", input: () => base(seedService('manifests/notification.yaml')) },
  { name: 'return-intake', about: "chapter 7's return-intake.yaml Pod", input: () => base(seedService('return-intake.yaml')) },
  { name: 'fraud-scanner', about: "chapter 7's fraud-scanner.yaml Pod", input: () => base(seedService('fraud-scanner.yaml')) },
  {
    name: 'fraud-scanner-policy',
    about: "fraud-scanner with chapter 7's policies/irs-fraud.yml applied (return-intake in the same namespace)",
    input: () => ({
      ...base(seedService('fraud-scanner.yaml')),
      policies: [seedDocument('policies/irs-fraud.yml') as TrafficPolicy],
      sourceNamespaces: { 'return-intake': 'default' },
    }),
  },
  {
    name: 'fraud-scanner-paused',
    about: 'fraud-scanner with the policy, paused for 30 minutes (chapter 7)',
    input: () => ({
      ...base(seedService('fraud-scanner.yaml')),
      policies: [seedDocument('policies/irs-fraud.yml') as TrafficPolicy],
      sourceNamespaces: { 'return-intake': 'default' },
      pause: PAUSE,
    }),
  },
  {
    name: 'notification-breaker-open',
    about: 'notification-svc with its service-level breaker open',
    input: () => ({ ...base(seedService('manifests/notification.yaml')), breaker: BREAKER }),
  },
  { name: 'receipt-ambient', about: 'receipt.hms.yml in ambient mode', input: () => ({ ...base(seedService('receipt.hms.yml')), mode: 'ambient' }) },
];

/**
 * A golden file: comments (what the case is, the reasons, autoscale and breaker alarm), then each object as
 * its own YAML document, so the file itself can be applied with kubectl to a cluster with Istio.
 */
export function goldenText(c: GoldenCase, set: RenderedSet): string {
  const options = { lineWidth: 0, aliasDuplicateObjects: false } as const;
  const header = [
    `# Golden rendering: ${c.about}.`,
    '# Regenerate after an intended change: UPDATE_GOLDEN=1 npx vitest run test/unit/domain/mesh/render-golden.test.ts',
  ].join('\n');
  const { objects, ...rest } = set;
  const notes = stringify(rest, options)
    .trimEnd()
    .split('\n')
    .map((line) => `# ${line}`)
    .join('\n');
  return `${header}\n${notes}\n---\n${objects.map((o) => stringify(o, options)).join('---\n')}`;
}
