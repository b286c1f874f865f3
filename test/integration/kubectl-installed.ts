import { execFileSync } from 'node:child_process';

/** Whether kubectl is on the PATH: .ci/run installs Debian's kubernetes-client where the machine has none. */
export function kubectlInstalled(): boolean {
  try {
    execFileSync('kubectl', ['version', '--client'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}
