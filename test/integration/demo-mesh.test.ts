import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';

/** Runs the demo in its own process (it starts its own sandbox), collecting its output. */
function runDemo(): Promise<{ status: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'bin/demo-mesh.ts'], { env: { ...process.env, HMS_DATA_DIR: '/nonexistent-hms-sys' } });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
  });
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  return new Promise((resolve) => child.once('close', (status) => resolve({ status, stdout, stderr })));
}

describe('npm run demo:mesh', () => {
  it('plays chapters 12, 10 and 7 through the local data plane and exits 0 only when every step held', async () => {
    const run = await runDemo();
    const out = run.stdout;
    expect(run.stderr).not.toContain('demo failed');
    expect(out).not.toContain('did not hold');
    expect(run.status).toBe(0);
    // Chapter 12: the seed's output shape, then a real call through the mesh.
    expect(out).toContain('✓ Registered in service mesh');
    expect(out).toContain('Service URL: http://receipt-svc.mesh/receipt');
    expect(out).toMatch(/-X POST http:\/\/receipt-svc\.mesh\/receipt {2}→ 200 from receipt-svc-\S+/);
    // Chapter 12's sequence: the failing pod is tried, every caller still gets 200 from the other.
    expect(out).toMatch(/healthy: 4 calls answered by (\S+), (\S+), \1, \2\n/);
    const retried = /10 calls: 10 × 200, answered by (\S+)\n.*is still a Ready endpoint: each call that went to it was refused and retried on (\S+) /.exec(out);
    expect(retried?.[1]).toBe(retried?.[2]);
    // Chapter 10: the breaker opens with a fast 503, stays open until the 30 s pass, then lets calls through.
    expect(out).toMatch(/failing calls \(each tried on every pod: retries 3\): (503(, )?)+; each pod refused 5 tries in a row and was ejected/);
    expect(out).toMatch(/call \d+ → 503 no healthy upstream in \d+\.\d ms, without trying a pod/);
    expect(out).toMatch(/the breaker still open \(reset_seconds 30\): → 503/);
    expect(out).toMatch(/30 s later \(fast-forwarded\) → 200/);
    // Chapter 7: the policy live, its propagation, its timeout enforced, no restart.
    expect(out).toMatch(/VirtualService fraud-scanner generation \d+ → \d+: enforced \d+ ms after the apply was sent/);
    expect(out).toMatch(/return-intake → 504 after 0\.\d\d s \(timeoutMs: 800\)/);
    expect(out).toMatch(/return-intake → 503 Service Paused/);
    expect(out).toMatch(/30 minutes later \(fast-forwarded\): → 200; pauses left: 0/);
    expect(out).toContain('✔ every step held');
  });
});
