/**
 * How clients reach the sandbox's Kubernetes simulator: over HTTPS with a certificate from the
 * sandbox CA (sandbox-ca.ts), a bearer token, and a kubeconfig for kubectl and other clients.
 * The token and the port are kept in the data folder (k8s-api.json) and tried again on the next
 * start, so an exported KUBECONFIG stays valid across restarts; when the port is taken, another is
 * picked and the kubeconfig is rewritten (it is rewritten on every start in any case).
 */
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type K8sSimulatorOptions, startK8sSimulator } from '#adapters/local/k8s-simulator.ts';
import { loadSandboxTls } from './sandbox-ca.ts';

export const SANDBOX_KUBE_CONTEXT = 'hms-sys-sandbox';

type Simulator = Awaited<ReturnType<typeof startK8sSimulator>>;

export interface SandboxKube {
  simulator: Simulator;
  token: string;
  /** Base64 of the CA's PEM, as EKS's DescribeCluster returns certificateAuthority.data. */
  caData: string;
  kubeconfigPath: string;
  /** The port remembered from the last start was taken, so the kubeconfig names a new one. */
  portChanged: boolean;
}

interface Remembered {
  port?: number;
  token?: string;
}

/** Starts the simulator on HTTPS, on the remembered port when free, and writes `<dataDir>/kubeconfig`. */
export async function startSandboxKube(dataDir: string, options: Omit<K8sSimulatorOptions, 'token' | 'tls' | 'port'>): Promise<SandboxKube> {
  const memoryFile = join(dataDir, 'k8s-api.json');
  const remembered = readRemembered(memoryFile);
  const token = remembered.token ?? randomBytes(24).toString('hex');
  const tls = await loadSandboxTls(join(dataDir, 'k8s-ca'));
  const start = (port: number) => startK8sSimulator({ ...options, token, port, tls });
  let simulator: Simulator;
  let portChanged = false;
  try {
    simulator = await start(remembered.port ?? 0);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EADDRINUSE' || remembered.port === undefined) throw err;
    simulator = await start(0);
    portChanged = true;
  }
  const port = Number(new URL(simulator.url).port);
  writeFileSync(memoryFile, JSON.stringify({ port, token }), { mode: 0o600 });
  const caData = Buffer.from(tls.caPem).toString('base64');
  const kubeconfigPath = join(dataDir, 'kubeconfig');
  writeFileSync(kubeconfigPath, kubeconfig(simulator.url, caData, token), { mode: 0o600 });
  return { simulator, token, caData, kubeconfigPath, portChanged };
}

/**
 * A kubeconfig with one cluster, user and context, all named hms-sys-sandbox.
 * https://kubernetes.io/docs/concepts/configuration/organize-cluster-access-kubeconfig/
 */
export function kubeconfig(server: string, caData: string, token: string): string {
  return [
    'apiVersion: v1',
    'kind: Config',
    'clusters:',
    `- name: ${SANDBOX_KUBE_CONTEXT}`,
    '  cluster:',
    `    server: ${server}`,
    `    certificate-authority-data: ${caData}`,
    'users:',
    `- name: ${SANDBOX_KUBE_CONTEXT}`,
    '  user:',
    `    token: ${token}`,
    'contexts:',
    `- name: ${SANDBOX_KUBE_CONTEXT}`,
    '  context:',
    `    cluster: ${SANDBOX_KUBE_CONTEXT}`,
    `    user: ${SANDBOX_KUBE_CONTEXT}`,
    `current-context: ${SANDBOX_KUBE_CONTEXT}`,
    '',
  ].join('\n');
}

function readRemembered(file: string): Remembered {
  if (!existsSync(file)) return {};
  try {
    const saved = JSON.parse(readFileSync(file, 'utf8')) as Remembered;
    return {
      port: Number.isInteger(saved.port) && saved.port! > 0 && saved.port! < 65_536 ? saved.port : undefined,
      token: typeof saved.token === 'string' && /^[0-9a-f]{48}$/.test(saved.token) ? saved.token : undefined,
    };
  } catch {
    return {};
  }
}
