import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { placeholderDeployment, placeholderName } from '#adapters/aws/kubernetes-placeholders.ts';
import { parseQuantity, requestQuantities, sumRequests } from '#adapters/aws/kubernetes-quantities.ts';
import { selectorString, toWorkload } from '#adapters/aws/kubernetes-shapes.ts';

describe('parseQuantity', () => {
  it.each([
    ['250m', 0.25],
    ['1', 1],
    ['1.5', 1.5],
    ['.5', 0.5],
    ['2.', 2],
    ['+3', 3],
    ['100n', 1e-7],
    ['5u', 5e-6],
    ['512Mi', 512 * 2 ** 20],
    ['1Gi', 2 ** 30],
    ['1.5Gi', 1.5 * 2 ** 30],
    ['64Ki', 65_536],
    ['1Ti', 2 ** 40],
    ['1k', 1_000],
    ['1M', 1e6],
    ['1G', 1e9],
    ['2E', 2e18],
    ['1e3', 1_000],
    ['1E3', 1_000],
    ['12e-3', 0.012],
    [4, 4],
  ] as const)('%s is %d', (text, value) => {
    expect(parseQuantity(text)).toBeCloseTo(value, 12);
  });

  it.each(['', 'abc', '1gi', '1 Gi', '1Mb', '--1', '1e', 'm', '1.2.3'])('rejects %j', (text) => {
    expect(() => parseQuantity(text)).toThrow(RangeError);
  });

  it('reads back what requestQuantities writes, never below the asked size', () => {
    fc.assert(
      fc.property(fc.double({ min: 0.001, max: 64, noNaN: true }), fc.double({ min: 0.001, max: 256, noNaN: true }), (vcpu, memoryGiB) => {
        const requests = requestQuantities({ vcpu, memoryGiB });
        const read = sumRequests([requests]);
        expect(read.vcpu).toBeGreaterThanOrEqual(vcpu - 1e-9);
        expect(read.vcpu - vcpu).toBeLessThan(0.001);
        expect(read.memoryGiB).toBeGreaterThanOrEqual(memoryGiB - 1e-9);
        expect(read.memoryGiB - memoryGiB).toBeLessThan(1 / 1024);
      }),
    );
  });
});

describe('Deployment reading', () => {
  it("sums the containers' cpu and memory requests of the pod template", () => {
    const workload = toWorkload({
      metadata: { name: 'web' },
      spec: {
        replicas: 3,
        template: {
          spec: {
            containers: [
              { name: 'app', resources: { requests: { cpu: '250m', memory: '512Mi' } } },
              { name: 'sidecar', resources: { requests: { cpu: '1', memory: '1G' } } },
              { name: 'bare' },
            ],
          },
        },
      },
      status: { readyReplicas: 2 },
    });
    expect(workload.replicas).toBe(3);
    expect(workload.readyReplicas).toBe(2);
    expect(workload.podRequests.vcpu).toBe(1.25);
    expect(workload.podRequests.memoryGiB).toBeCloseTo(0.5 + 1e9 / 2 ** 30, 9);
  });

  it('reads no requests and no ready pods as zeros', () => {
    expect(toWorkload({ spec: { replicas: 0 } })).toEqual({ replicas: 0, readyReplicas: 0, podRequests: { vcpu: 0, memoryGiB: 0 } });
  });

  it('rejects a request that is not a quantity', () => {
    const body = { spec: { template: { spec: { containers: [{ resources: { requests: { cpu: 'lots' } } }] } } } };
    expect(() => toWorkload(body)).toThrow(/quantity/);
  });

  it('writes a selector in the labelSelector query syntax', () => {
    expect(
      selectorString({
        matchLabels: { app: 'web', tier: 'front' },
        matchExpressions: [
          { key: 'env', operator: 'In', values: ['prod', 'dr'] },
          { key: 'canary', operator: 'NotIn', values: ['true'] },
          { key: 'owner', operator: 'Exists' },
          { key: 'legacy', operator: 'DoesNotExist' },
        ],
      }),
    ).toBe('app=web,tier=front,env in (prod,dr),canary notin (true),owner,!legacy');
  });
});

describe('placeholder names', () => {
  const label = fc.stringMatching(/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/);
  const subdomain = fc.stringMatching(/^[a-z0-9]([-a-z0-9.]{0,120}[a-z0-9])?$/);

  it("are DNS-1123 labels, so the placeholders' namespace can hold every workload's", () => {
    fc.assert(
      fc.property(label, subdomain, (namespace, deployment) => {
        expect(placeholderName({ namespace, deployment })).toMatch(/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/);
      }),
    );
  });

  it('differ for different workloads, even where namespace-deployment reads the same', () => {
    expect(placeholderName({ namespace: 'a-b', deployment: 'c' })).not.toBe(placeholderName({ namespace: 'a', deployment: 'b-c' }));
    fc.assert(
      fc.property(label, subdomain, label, subdomain, (n1, d1, n2, d2) => {
        fc.pre(n1 !== n2 || d1 !== d2);
        expect(placeholderName({ namespace: n1, deployment: d1 })).not.toBe(placeholderName({ namespace: n2, deployment: d2 }));
      }),
    );
  });
});

describe('the placeholder Deployment', () => {
  const manifest = placeholderDeployment(
    { cluster: 'c', namespace: 'fema', deployment: 'fema-portal' },
    { replicas: 30, podRequests: { vcpu: 0.5, memoryGiB: 1 } },
  );

  it("lives in the placeholders' namespace, named and labelled after the workload, and selects only its own pods", () => {
    expect(manifest.metadata).toEqual({
      name: 'fema-fema-portal-20276025-hms-warm',
      namespace: 'hms-sys-placeholders',
      labels: { 'app.kubernetes.io/managed-by': 'hms-sys', 'hms.sys/placeholder-for': 'fema-portal', 'hms.sys/placeholder-namespace': 'fema' },
    });
    expect(manifest.spec.selector).toEqual({ matchLabels: { 'hms.sys/placeholder-for': 'fema-portal', 'hms.sys/placeholder-namespace': 'fema' } });
    expect(manifest.spec.template.metadata.labels).toEqual(manifest.metadata.labels);
    expect(manifest.spec.replicas).toBe(30);
  });

  it("runs one pause container sized like the workload's pods, preemptible and gone at once", () => {
    const { spec } = manifest.spec.template;
    expect(spec.priorityClassName).toBe('hms-sys-overprovisioning');
    expect(spec.terminationGracePeriodSeconds).toBe(0);
    expect(spec.containers).toHaveLength(1);
    expect(spec.containers[0]).toMatchObject({
      image: 'registry.k8s.io/pause:3.10',
      resources: { requests: { cpu: '500m', memory: '1024Mi' } },
      securityContext: { runAsNonRoot: true, allowPrivilegeEscalation: false },
    });
  });
});
