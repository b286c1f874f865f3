/** The workloads the sandbox's cluster starts with, so the walk-through has something to scale. */
export const SANDBOX_CLUSTER = 'sandbox';

/** Pod requests price the pods at Fargate rates: fema-portal's 4 vCPU / 8 GiB pod costs about $0.20 an hour. */
export const seedDeployments = [
  { namespace: 'benefits', name: 'eligibility-api', replicas: 4, podRequests: { cpu: '500m', memory: '1Gi' } },
  { namespace: 'benefits', name: 'receipt-svc', replicas: 2, podRequests: { cpu: '250m', memory: '512Mi' } },
  { namespace: 'benefits', name: 'notification-svc', replicas: 2, podRequests: { cpu: '250m', memory: '512Mi' } },
  { namespace: 'fema', name: 'fema-portal', replicas: 10, podRequests: { cpu: '4', memory: '8Gi' } },
] as const;

/** notification-svc is HPA-managed: hms-sys raises the HPA's floor instead of writing replicas. */
export const seedHpas = [{ namespace: 'benefits', name: 'notification-svc', deployment: 'notification-svc', minReplicas: 2, maxReplicas: 10 }] as const;
