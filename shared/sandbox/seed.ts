/** The workloads the sandbox's cluster starts with, so the walk-through has something to scale. */
export const SANDBOX_CLUSTER = 'sandbox';

export const seedDeployments = [
  { namespace: 'benefits', name: 'eligibility-api', replicas: 4 },
  { namespace: 'benefits', name: 'receipt-svc', replicas: 2 },
  { namespace: 'benefits', name: 'notification-svc', replicas: 2 },
  { namespace: 'fema', name: 'fema-portal', replicas: 10 },
] as const;

/** notification-svc is HPA-managed: hms-sys raises the HPA's floor instead of writing replicas. */
export const seedHpas = [
  { namespace: 'benefits', name: 'notification-svc', deployment: 'notification-svc', minReplicas: 2, maxReplicas: 10 },
] as const;
