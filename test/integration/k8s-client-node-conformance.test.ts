/**
 * The simulator driven by a client nobody here wrote: @kubernetes/client-node 1.4 (a dev
 * dependency; nothing in shared/ or functions/ imports it), configured from the kubeconfig the
 * sandbox writes. Each call the product's REST client makes (CLUSTER_CALLS, CAPACITY_CALLS,
 * RESTART_CALLS) is made here too; every answer must carry only fields the client's typed models
 * know, deserialize with the fields the product reads, and errors must arrive as V1Status.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  ApisApi,
  AppsV1Api,
  AutoscalingV2Api,
  CoreApi,
  CoreV1Api,
  KubeConfig,
  PatchStrategy,
  SchedulingV1Api,
  setHeaderOptions,
  V1Deployment,
  V1Scale,
  V1Status,
  V2HorizontalPodAutoscalerList,
  VersionApi,
  Watch,
} from '@kubernetes/client-node';
import { beforeAll, describe, expect, it } from 'vitest';
import { placeholderDeployment, placeholderName, placeholderTemplateSpec } from '#adapters/aws/kubernetes-placeholders.ts';
import { toRolloutItem } from '#adapters/aws/kubernetes-rollout-shapes.ts';
import { findHpaFor, nodeItem, TABLE, tablePage, toScaleState, toWorkload } from '#adapters/aws/kubernetes-shapes.ts';
import { PLACEHOLDER_NAMESPACE, PLACEHOLDER_PRIORITY_CLASS, type WorkloadRef } from '#ports/cluster.ts';
import { rawGet, statusOf, unknownFields } from './client-node-models.ts';
import { useSandbox } from './sandbox-fixture.ts';

const merge = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);
const eligibility: WorkloadRef = { cluster: 'sandbox', namespace: 'benefits', deployment: 'eligibility-api' };

describe('@kubernetes/client-node 1.4 against the sandbox simulator', () => {
  const sb = useSandbox();
  const kc = new KubeConfig();
  let apps: AppsV1Api;
  let core: CoreV1Api;
  let autoscaling: AutoscalingV2Api;

  beforeAll(() => {
    kc.loadFromFile(sb.sandbox.k8s.kubeconfigPath);
    apps = kc.makeApiClient(AppsV1Api);
    core = kc.makeApiClient(CoreV1Api);
    autoscaling = kc.makeApiClient(AutoscalingV2Api);
  });

  it('is a test dependency only: nothing in shared/ or functions/ imports it', () => {
    const sources = (dir: string): string[] =>
      readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
        entry.isDirectory() ? sources(join(dir, entry.name)) : entry.name.endsWith('.ts') ? [join(dir, entry.name)] : [],
      );
    const importers = ['shared', 'functions'].flatMap(sources).filter((file) => readFileSync(file, 'utf8').includes('@kubernetes/client-node'));
    expect(importers).toEqual([]);
  });

  it("checks fields against the client's models: an invented or misspelt field is found", () => {
    expect(unknownFields({ spec: { replicaz: 1 }, status: { replicas: 1 } }, 'V1Scale')).toEqual(['$.spec.replicaz']);
    expect(unknownFields({ items: [{ metadata: { name: 'a', nickname: 'b' } }] }, 'V1DeploymentList')).toEqual(['$.items[0].metadata.nickname']);
  });

  it('loads the kubeconfig: an https server verified with the sandbox CA, and the bearer token', () => {
    expect(kc.getCurrentContext()).toBe('hms-sys-sandbox');
    const cluster = kc.getCurrentCluster()!;
    expect(cluster.server).toBe(sb.sandbox.k8s.url);
    expect(cluster.server).toMatch(/^https:/);
    expect(cluster.caData).toBe(sb.sandbox.k8s.caData);
    expect(cluster.skipTLSVerify).toBe(false);
    expect(kc.getCurrentUser()!.token).toBe(sb.sandbox.k8s.token);
  });

  it("answers discovery in the client's APIVersions, APIGroupList, APIResourceList and VersionInfo", async () => {
    expect((await kc.makeApiClient(CoreApi).getAPIVersions()).versions).toEqual(['v1']);
    const groups = await kc.makeApiClient(ApisApi).getAPIVersions();
    expect(groups.groups.map((g) => g.name).sort()).toEqual([
      'apps',
      'autoscaling',
      'discovery.k8s.io',
      'networking.istio.io',
      'scheduling.k8s.io',
      'security.istio.io',
    ]);
    const resources = await apps.getAPIResources();
    expect(resources.resources.find((r) => r.name === 'deployments')?.verbs).toContain('watch');
    expect((await kc.makeApiClient(VersionApi).getCode()).major).toBe('1');
    for (const [path, type] of [
      ['/api', 'V1APIVersions'],
      ['/apis', 'V1APIGroupList'],
      ['/apis/apps/v1', 'V1APIResourceList'],
      ['/api/v1', 'V1APIResourceList'],
      ['/apis/networking.istio.io/v1', 'V1APIResourceList'],
      ['/version', 'VersionInfo'],
    ] as const) {
      expect(unknownFields((await rawGet(kc, path)).body, type), path).toEqual([]);
    }
  });

  it('getScale and setScale: the scale subresource as V1Scale, merge-patched, seen by hms-sys and by the client', async () => {
    const scale = await apps.readNamespacedDeploymentScale({ name: 'eligibility-api', namespace: 'benefits' });
    expect(scale).toBeInstanceOf(V1Scale);
    expect(scale.spec?.replicas).toBe(4);
    expect(scale.status?.selector).toBe('app=eligibility-api');
    const raw = (await rawGet(kc, '/apis/apps/v1/namespaces/benefits/deployments/eligibility-api/scale')).body;
    expect(unknownFields(raw, 'V1Scale')).toEqual([]);
    expect(toScaleState(raw).replicas).toBe(4);

    const patched = await apps.patchNamespacedDeploymentScale({ name: 'eligibility-api', namespace: 'benefits', body: { spec: { replicas: 5 } } }, merge);
    expect(patched.spec?.replicas).toBe(5);
    expect((await sb.sandbox.wiring.ports.cluster.getScale(eligibility)).replicas).toBe(5);

    await sb.sandbox.wiring.ports.cluster.setScale(eligibility, 4);
    expect((await apps.readNamespacedDeploymentScale({ name: 'eligibility-api', namespace: 'benefits' })).spec?.replicas).toBe(4);
  });

  it('findHpa and setHpaMinReplicas: HPAs as V2HorizontalPodAutoscaler, and a stale resourceVersion is a 409 V1Status', async () => {
    const list = await autoscaling.listNamespacedHorizontalPodAutoscaler({ namespace: 'benefits' });
    expect(list).toBeInstanceOf(V2HorizontalPodAutoscalerList);
    const hpa = list.items.find((h) => h.spec?.scaleTargetRef.name === 'notification-svc')!;
    expect(hpa.spec).toMatchObject({ minReplicas: 2, maxReplicas: 10, scaleTargetRef: { kind: 'Deployment' } });
    const raw = (await rawGet(kc, '/apis/autoscaling/v2/namespaces/benefits/horizontalpodautoscalers')).body;
    expect(unknownFields(raw, 'V2HorizontalPodAutoscalerList')).toEqual([]);
    expect(findHpaFor(raw, 'notification-svc')?.minReplicas).toBe(2);

    const stale = hpa.metadata!.resourceVersion!;
    const name = hpa.metadata!.name!;
    const raised = await autoscaling.patchNamespacedHorizontalPodAutoscaler(
      { name, namespace: 'benefits', body: { metadata: { resourceVersion: stale }, spec: { minReplicas: 3 } } },
      merge,
    );
    expect(raised.spec?.minReplicas).toBe(3);
    expect(raised.metadata?.resourceVersion).not.toBe(stale);
    const refused = await autoscaling
      .patchNamespacedHorizontalPodAutoscaler({ name, namespace: 'benefits', body: { metadata: { resourceVersion: stale }, spec: { minReplicas: 4 } } }, merge)
      .catch(statusOf);
    expect(refused).toMatchObject({ code: 409, status: { kind: 'Status', status: 'Failure', reason: 'Conflict', code: 409 } });
    expect(unknownFields((refused as { status: unknown }).status, 'V1Status')).toEqual([]);
    await sb.sandbox.wiring.ports.cluster.setHpaMinReplicas(eligibility, name, 2, raised.metadata!.resourceVersion!);
  });

  it('getWorkload and rolloutStatus: the Deployment as V1Deployment with what the product reads', async () => {
    const deployment = await apps.readNamespacedDeployment({ name: 'eligibility-api', namespace: 'benefits' });
    expect(deployment).toBeInstanceOf(V1Deployment);
    expect(deployment.spec?.selector.matchLabels).toEqual({ app: 'eligibility-api' });
    expect(deployment.spec?.template.spec?.containers[0]?.resources?.requests).toBeDefined();
    expect(deployment.status).toMatchObject({ observedGeneration: deployment.metadata?.generation, readyReplicas: 4, updatedReplicas: 4 });
    expect(deployment.status?.conditions?.map((c) => c.type)).toEqual(['Available', 'Progressing']);
    const raw = (await rawGet(kc, '/apis/apps/v1/namespaces/benefits/deployments/eligibility-api')).body;
    expect(unknownFields(raw, 'V1Deployment')).toEqual([]);
    expect(toWorkload(raw)).toMatchObject({ replicas: 4 });
    expect(toRolloutItem(raw).metadata.name).toBe('eligibility-api');
  });

  it('podCounts and nodeCapacity: pods and nodes as typed lists, and the pod Tables the product counts rows of', async () => {
    const pods = await core.listNamespacedPod({ namespace: 'benefits', labelSelector: 'app=eligibility-api' });
    expect(pods.items).toHaveLength(4);
    expect(pods.items.every((p) => p.status?.phase === 'Running' && p.spec?.nodeName)).toBe(true);
    expect(unknownFields((await rawGet(kc, '/api/v1/namespaces/benefits/pods')).body, 'V1PodList')).toEqual([]);
    const pending = await rawGet(
      kc,
      '/api/v1/namespaces/benefits/pods?labelSelector=app%3Deligibility-api&fieldSelector=status.phase%3DPending%2Cspec.nodeName%3D&includeObject=None&limit=500',
      TABLE,
    );
    expect(tablePage.parse(pending.body).rows).toHaveLength(0);
    expect(unknownFields(pending.body.metadata, 'V1ListMeta')).toEqual([]);

    const nodes = await core.listNode();
    expect(nodes.items.length).toBeGreaterThan(0);
    expect(nodes.items[0]!.status?.allocatable?.pods).toBe('30');
    const rawNodes = (await rawGet(kc, '/api/v1/nodes')).body;
    expect(unknownFields(rawNodes, 'V1NodeList')).toEqual([]);
    expect(nodeItem.parse(rawNodes.items[0]).metadata.name).toBe(nodes.items[0]!.metadata?.name);
    const bound = await rawGet(
      kc,
      '/api/v1/pods?fieldSelector=spec.nodeName%21%3D%2Cstatus.phase%21%3DSucceeded%2Cstatus.phase%21%3DFailed&includeObject=None&limit=500',
      TABLE,
    );
    const all = await core.listPodForAllNamespaces();
    expect(tablePage.parse(bound.body).rows).toHaveLength(all.items.filter((p) => p.spec?.nodeName).length);
  });

  it('placeholders: create, AlreadyExists, merge patch, the PriorityClass, delete with a uid precondition, then NotFound', async () => {
    const ref: WorkloadRef = { ...eligibility, deployment: 'receipt-svc' };
    const name = placeholderName(ref);
    const body = placeholderDeployment(ref, { replicas: 2, podRequests: { vcpu: 0.25, memoryGiB: 0.5 } });
    const created = await apps.createNamespacedDeployment({ namespace: PLACEHOLDER_NAMESPACE, body: body as V1Deployment });
    expect(created.metadata?.name).toBe(name);
    expect(created.spec?.template.spec?.priorityClassName).toBe(PLACEHOLDER_PRIORITY_CLASS);
    const again = await apps.createNamespacedDeployment({ namespace: PLACEHOLDER_NAMESPACE, body: body as V1Deployment }).catch(statusOf);
    expect(again).toMatchObject({ code: 409, status: { reason: 'AlreadyExists' } });

    // The product's patch: absolute replicas and pod template, no resourceVersion.
    const bigger = { replicas: 3, podRequests: { vcpu: 0.5, memoryGiB: 1 } };
    const patched = await apps.patchNamespacedDeployment(
      { name, namespace: PLACEHOLDER_NAMESPACE, body: { spec: { replicas: 3, template: { spec: placeholderTemplateSpec(bigger) } } } },
      merge,
    );
    expect(patched.spec?.replicas).toBe(3);
    expect(patched.spec?.template.spec?.containers[0]?.resources?.requests).toEqual({ cpu: '500m', memory: '1024Mi' });
    expect(await sb.sandbox.wiring.ports.cluster.placeholderReplicas(ref)).toBe(3);
    const priority = await kc.makeApiClient(SchedulingV1Api).readPriorityClass({ name: PLACEHOLDER_PRIORITY_CLASS });
    expect(priority.value).toBeLessThan(0);

    const wrongUid = await apps
      .deleteNamespacedDeployment({
        name,
        namespace: PLACEHOLDER_NAMESPACE,
        body: { apiVersion: 'v1', kind: 'DeleteOptions', propagationPolicy: 'Background', preconditions: { uid: '00000000-0000-0000-0000-000000000000' } },
      })
      .catch(statusOf);
    expect(wrongUid).toMatchObject({ code: 409, status: { reason: 'Conflict' } });
    const deleted = await apps.deleteNamespacedDeployment({
      name,
      namespace: PLACEHOLDER_NAMESPACE,
      body: { apiVersion: 'v1', kind: 'DeleteOptions', propagationPolicy: 'Background', preconditions: { uid: created.metadata!.uid! } },
    });
    expect(deleted).toBeInstanceOf(V1Status);
    expect(deleted.status).toBe('Success');
    const gone = await apps.readNamespacedDeployment({ name, namespace: PLACEHOLDER_NAMESPACE }).catch(statusOf);
    expect(gone).toMatchObject({ code: 404, status: { kind: 'Status', reason: 'NotFound', message: `deployments.apps "${name}" not found` } });
    expect(unknownFields((gone as { status: unknown }).status, 'V1Status')).toEqual([]);
  });

  it('restartWorkload: a template patch carrying a stale resourceVersion is refused, the current one rolls the pods', async () => {
    const current = await apps.readNamespacedDeployment({ name: 'receipt-svc', namespace: 'benefits' });
    const annotate = (resourceVersion: string, value: string) =>
      apps.patchNamespacedDeployment(
        {
          name: 'receipt-svc',
          namespace: 'benefits',
          body: { metadata: { resourceVersion }, spec: { template: { metadata: { annotations: { 'example.com/rotated': value } } } } },
        },
        merge,
      );
    const restarted = await annotate(current.metadata!.resourceVersion!, 'a');
    expect(restarted.metadata?.generation).toBe(current.metadata!.generation! + 1);
    expect(restarted.spec?.template.metadata?.annotations).toEqual({ 'example.com/rotated': 'a' });
    expect(await annotate(current.metadata!.resourceVersion!, 'b').catch(statusOf)).toMatchObject({ code: 409, status: { reason: 'Conflict' } });
  });

  it('rollingOutIn: lists Deployments a page at a time with limit and continue', async () => {
    const first = await apps.listNamespacedDeployment({ namespace: 'benefits', limit: 2 });
    expect(first.items).toHaveLength(2);
    expect(first.metadata?._continue).toBeTruthy();
    const rest = await apps.listNamespacedDeployment({ namespace: 'benefits', limit: 2, _continue: first.metadata!._continue! });
    const names = [...first.items, ...rest.items].map((d) => d.metadata?.name);
    const whole = await apps.listNamespacedDeployment({ namespace: 'benefits' });
    expect(whole.items.length).toBeGreaterThan(2);
    expect(names.sort()).toEqual(whole.items.map((d) => d.metadata?.name).sort());
  });

  it('watches a Deployment from a resourceVersion and receives a scale made by hms-sys as MODIFIED', async () => {
    const list = await apps.listNamespacedDeployment({ namespace: 'benefits', fieldSelector: 'metadata.name=eligibility-api' });
    expect(list.items.map((d) => d.metadata?.name)).toEqual(['eligibility-api']);
    const events: { phase: string; object: any }[] = [];
    const controller = await new Watch(kc).watch(
      '/apis/apps/v1/namespaces/benefits/deployments',
      { fieldSelector: 'metadata.name=eligibility-api', resourceVersion: list.metadata!.resourceVersion! },
      (phase, object) => events.push({ phase, object }),
      () => undefined,
    );
    try {
      await sb.sandbox.wiring.ports.cluster.setScale(eligibility, 7);
      for (let i = 0; i < 200 && !events.some((e) => e.object.status?.readyReplicas === 7); i++) await new Promise((r) => setTimeout(r, 25));
      const last = events.at(-1)!;
      expect(last.phase).toBe('MODIFIED');
      expect(last.object).toMatchObject({ kind: 'Deployment', spec: { replicas: 7 }, status: { readyReplicas: 7 } });
      expect(events.flatMap((e) => unknownFields(e.object, 'V1Deployment'))).toEqual([]);
    } finally {
      controller.abort();
    }
  });
});
