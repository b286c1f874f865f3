import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kubectlInstalled } from './kubectl-installed.ts';
import { useSandbox } from './sandbox-fixture.ts';

const run = promisify(execFile);

/** Rows of kubectl's table output, keyed by the header's column names. */
function table(output: string): Record<string, string>[] {
  const [header = '', ...lines] = output.trim().split('\n');
  const names = header.trim().split(/\s{2,}/);
  return lines.map((line) =>
    Object.fromEntries(
      line
        .trim()
        .split(/\s{2,}/)
        .map((cell, i) => [names[i] ?? `#${i}`, cell]),
    ),
  );
}

describe.skipIf(!kubectlInstalled())('kubectl against the sandbox, with the kubeconfig it writes', () => {
  // Pods take a second to turn Ready, so rollout status has to wait, over its watch, for the rollout to finish.
  const sb = useSandbox({ podReadyDelayMs: 1_000 });
  let home: string;
  let ruleId: string;

  /** Runs kubectl as a user who exported KUBECONFIG; the discovery cache lives in a throwaway HOME. */
  const kubectl = async (...args: string[]) => {
    const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: home, KUBECONFIG: sb.sandbox.k8s.kubeconfigPath };
    try {
      const { stdout, stderr } = await run('kubectl', args, { env, timeout: 60_000 });
      return { code: 0, stdout, stderr };
    } catch (err) {
      const failed = err as { code?: number; stdout?: string; stderr?: string };
      return { code: failed.code ?? 1, stdout: failed.stdout ?? '', stderr: failed.stderr ?? '' };
    }
  };

  beforeAll(async () => {
    home = mkdtempSync(join(tmpdir(), 'hms-kubectl-home-'));
    expect((await sb.service('eligibility-api')).status).toBe(201);
    ({ ruleId } = await sb.rule({
      service: 'eligibility-api',
      minReplicas: 4,
      maxReplicas: 20,
      trigger: { metric: 'http_rps', threshold: 500 },
    }));
  });
  afterAll(() => rmSync(home, { recursive: true, force: true }));

  it('kubectl get deploy -A lists every seeded Deployment with the columns of a real cluster', async () => {
    const { code, stdout, stderr } = await kubectl('get', 'deploy', '-A');
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(stdout.split('\n')[0]!.trim().split(/\s+/)).toEqual(['NAMESPACE', 'NAME', 'READY', 'UP-TO-DATE', 'AVAILABLE', 'AGE']);
    const rows = table(stdout);
    expect(rows.find((r) => r.NAME === 'eligibility-api')).toMatchObject({ NAMESPACE: 'benefits', READY: '4/4', 'UP-TO-DATE': '4', AVAILABLE: '4' });
    expect(rows.find((r) => r.NAME === 'fema-portal')).toMatchObject({ NAMESPACE: 'fema' });
  });

  it('kubectl get deploy -o yaml prints the whole object', async () => {
    const { code, stdout } = await kubectl('get', 'deploy', '-n', 'benefits', 'eligibility-api', '-o', 'yaml');
    expect(code).toBe(0);
    expect(stdout).toMatch(/^apiVersion: apps\/v1\nkind: Deployment\n/);
    expect(stdout).toMatch(/\n {2}name: eligibility-api\n/);
    expect(stdout).toMatch(/\nspec:\n(?: {2}.*\n)* {2}replicas: 4\n/);
  });

  it('a scale made with kubectl is what hms-sys reads, and kubectl rollout status waits for it', async () => {
    const scaled = await kubectl('scale', 'deploy/eligibility-api', '-n', 'benefits', '--replicas=6');
    expect(scaled.stdout.trim()).toBe('deployment.apps/eligibility-api scaled');
    const rollout = await kubectl('rollout', 'status', 'deploy/eligibility-api', '-n', 'benefits', '--timeout=60s');
    expect(rollout.code).toBe(0);
    expect(rollout.stdout).toContain('Waiting for deployment "eligibility-api" rollout to finish: 4 of 6 updated replicas are available...');
    expect(rollout.stdout).toContain('deployment "eligibility-api" successfully rolled out');
    const status = await sb.http('GET', `/rules/${ruleId}/status`);
    expect(status.status).toBe(200);
    expect(status.body).toMatchObject({ replicas: 6, readyReplicas: 6 });
  });

  it('a scale made by hms-sys is what kubectl reads, through the scale subresource', async () => {
    await sb.metric('eligibility-api', 'http_rps', 1_000);
    const replicas = sb.replicas('benefits', 'eligibility-api');
    expect(replicas).toBeGreaterThan(6);
    const { code, stdout } = await kubectl('get', '--raw', '/apis/apps/v1/namespaces/benefits/deployments/eligibility-api/scale');
    expect(code).toBe(0);
    const scale = JSON.parse(stdout);
    expect(scale).toMatchObject({ kind: 'Scale', apiVersion: 'autoscaling/v1', spec: { replicas } });
  });

  it('kubectl patch --type merge changes the pod template and the rollout completes', async () => {
    const patched = await kubectl(
      'patch',
      'deploy',
      'eligibility-api',
      '-n',
      'benefits',
      '--type',
      'merge',
      '-p',
      '{"spec":{"template":{"metadata":{"annotations":{"example.com/restarted-by":"kubectl"}}}}}',
    );
    expect(patched.stdout.trim()).toBe('deployment.apps/eligibility-api patched');
    expect(sb.sandbox.k8s.state.templateAnnotations('benefits', 'eligibility-api')).toEqual({ 'example.com/restarted-by': 'kubectl' });
    const rollout = await kubectl('rollout', 'status', 'deploy/eligibility-api', '-n', 'benefits', '--timeout=60s');
    expect(rollout.stdout).toMatch(/Waiting for deployment "eligibility-api" rollout to finish: \d+ out of \d+ new replicas have been updated/);
    expect(rollout.stdout).toContain('successfully rolled out');
    expect(sb.sandbox.k8s.state.completedRollouts('benefits', 'eligibility-api')).toBeGreaterThanOrEqual(1);
  });

  it('kubectl label, annotate and patch of metadata are stored and printed; a field the simulator does not model is refused', async () => {
    const on = ['deploy', 'receipt-svc', '-n', 'benefits'];
    expect((await kubectl('label', ...on, 't=1')).stdout.trim()).toBe('deployment.apps/receipt-svc labeled');
    expect((await kubectl('annotate', ...on, 'z=1')).stdout.trim()).toBe('deployment.apps/receipt-svc annotated');
    const patched = await kubectl('patch', ...on, '--type', 'merge', '-p', '{"metadata":{"annotations":{"x":"y"}}}');
    expect(patched.stdout.trim()).toBe('deployment.apps/receipt-svc patched');
    const object = JSON.parse((await kubectl('get', ...on, '-o', 'json')).stdout);
    expect(object.metadata.labels).toMatchObject({ t: '1' });
    expect(object.metadata.annotations).toEqual({ z: '1', x: 'y' });
    const yaml = (await kubectl('get', ...on, '-o', 'yaml')).stdout;
    expect(yaml).toMatch(/\nmetadata:\n {2}annotations:\n {4}x: "y"\n {4}z: "1"\n/);
    expect(yaml).toMatch(/\n {2}labels:\n {4}app: receipt-svc\n {4}t: "1"\n/);
    expect((await kubectl('get', 'deploy', '-n', 'benefits', '-l', 't=1', '-o', 'name')).stdout.trim()).toBe('deployment.apps/receipt-svc');
    // kubectl 1.20 (Debian's kubernetes-client) says "labeled" for a removal too; newer ones say "unlabeled".
    expect((await kubectl('label', ...on, 't-')).stdout.trim()).toMatch(/^deployment\.apps\/receipt-svc (un)?labeled$/);
    expect((await kubectl('get', ...on, '-o', 'jsonpath={.metadata.labels.t}')).stdout).toBe('');
    const refused = await kubectl('patch', ...on, '--type', 'merge', '-p', '{"spec":{"strategy":{"type":"Recreate"}}}');
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('The Deployment "receipt-svc" is invalid');
    expect(refused.stderr).toContain('spec.strategy.type: Unsupported value');
    const jsonPatch = await kubectl('patch', ...on, '--type', 'json', '-p', '[{"op":"add","path":"/metadata/labels/j","value":"1"}]');
    expect(jsonPatch.code).toBe(1);
    expect(jsonPatch.stderr).toContain('accepted media types include: application/merge-patch+json, application/strategic-merge-patch+json');
  });

  it('kubectl get hpa -A, get pods and get nodes print what the cluster holds', async () => {
    const hpas = table((await kubectl('get', 'hpa', '-A')).stdout);
    expect(hpas.find((r) => r.NAME === 'notification-svc')).toMatchObject({
      NAMESPACE: 'benefits',
      REFERENCE: 'Deployment/notification-svc',
      MINPODS: '2',
      MAXPODS: '10',
    });
    const pods = table((await kubectl('get', 'pods', '-n', 'benefits')).stdout);
    const eligibility = pods.filter((r) => r.NAME!.startsWith('eligibility-api-'));
    expect(eligibility).toHaveLength(sb.sandbox.k8s.state.podsOf('benefits', 'eligibility-api').length);
    expect(new Set(eligibility.map((r) => r.STATUS))).toEqual(new Set(['Running']));
    const nodes = table((await kubectl('get', 'nodes')).stdout);
    expect(nodes).toHaveLength(sb.sandbox.k8s.state.nodes().length);
    expect(nodes.every((r) => r.STATUS === 'Ready')).toBe(true);
  });

  it('kubectl get ns prints NAME, STATUS and AGE, every namespace Active with a real age', async () => {
    const { code, stdout, stderr } = await kubectl('get', 'ns');
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(stdout.split('\n')[0]!.trim().split(/\s+/)).toEqual(['NAME', 'STATUS', 'AGE']);
    const rows = table(stdout);
    expect(rows.map((r) => r.NAME)).toEqual(expect.arrayContaining(['benefits', 'default', 'kube-system']));
    for (const row of rows) {
      expect(row.STATUS).toBe('Active');
      expect(row.AGE).toMatch(/^\d+[smhd]/);
    }
    const benefits = JSON.parse((await kubectl('get', 'ns', 'benefits', '-o', 'json')).stdout);
    expect(benefits.status.phase).toBe('Active');
    expect(Date.parse(benefits.metadata.creationTimestamp)).not.toBeNaN();
  });

  it('a Deployment that does not exist is a NotFound, as on a real cluster', async () => {
    const { code, stderr } = await kubectl('get', 'deploy', '-n', 'benefits', 'nosuch');
    expect(code).toBe(1);
    expect(stderr.trim()).toBe('Error from server (NotFound): deployments.apps "nosuch" not found');
  });
});
