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
    // Chapter 10: each failing call as observed (flags, ejected pods), the count computed, then a fast
    // UH 503 while both pods are out, still after they recover, and 200 after the 30 s ejection.
    const failingCalls = [...out.matchAll(/call (\d+) → 503 .*\[flags ([A-Z,]+)\]; ejected after it: (.*)\n/g)];
    expect(failingCalls.map((m) => Number(m[1]))).toEqual(failingCalls.map((_, i) => i + 1));
    // Until the last of them, at least one pod was still in the pool.
    expect(failingCalls.slice(0, -1).every((m) => m[3] === 'none' || m[3]!.split(', ').length < 2)).toBe(true);
    const lastFailing = failingCalls.at(-1)!;
    expect(lastFailing[3]!.split(', ')).toHaveLength(2);
    const ejectedAfter =
      /outlier detection \(consecutive5xxErrors 5; retries\.attempts 3, so up to 4 tries a call\): \S+ out of the pool after call (\d+), \S+ out of the pool after call (\d+)\n/.exec(
        out,
      );
    expect(Math.max(Number(ejectedAfter?.[1]), Number(ejectedAfter?.[2]))).toBe(failingCalls.length);
    expect(out).toContain(`call ${failingCalls.length + 1} → 503 no healthy upstream in `);
    expect(out).toMatch(/→ 503 no healthy upstream in \d+\.\d ms \[flags UH\]\n\s+UH: the proxy answered itself, no pod was tried; still ejected: \S+, \S+\n/);
    expect(out).toMatch(/pods recovered, still ejected \(baseEjectionTime 30s\): → 503 \[flags UH\]/);
    expect(out).toMatch(/30 s later \(fast-forwarded\) → 200/);
    expect(out).toContain(`after ${failingCalls.length} failing calls all 2 pods were out of the pool`);
    expect(out).not.toMatch(/refused 5 tries in a row|without trying a pod|failing calls opened the breaker/);
    // Chapter 7: the policy live, its propagation, its timeout enforced, no restart.
    expect(out).toMatch(/VirtualService fraud-scanner generation \d+ → \d+: enforced \d+ ms after the apply was sent/);
    expect(out).toMatch(/return-intake → 504 after 0\.\d\d s \(timeoutMs: 800\)/);
    expect(out).toMatch(/return-intake → 503 Service Paused/);
    expect(out).toMatch(/30 minutes later \(fast-forwarded\): → 200; pauses left: 0/);
    expect(out).toContain('✔ every step held');
  });
});
