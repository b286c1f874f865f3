import { mkdtempSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { startLocalS3 } from '#adapters/local/local-s3/s3-server.ts';
import { startOnRememberedPort } from '#sandbox/remembered-port.ts';

const portOf = (server: { endpoint: string }) => Number(new URL(server.endpoint).port);
const start = (port: number) => startLocalS3({ buckets: ['hms-sys-audit-archive'], port });

describe("the sandbox's local S3 server keeps its port across restarts", () => {
  it('starts again on the port it had, and moves only when that port is taken, saying so', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 's3-port-')), 's3-port');
    const first = await startOnRememberedPort(file, start, portOf);
    const port = portOf(first.started);
    expect(first.portChanged).toBe(false);
    expect(readFileSync(file, 'utf8').trim()).toBe(String(port));
    await first.started.close();

    const again = await startOnRememberedPort(file, start, portOf);
    expect(portOf(again.started)).toBe(port);
    expect(again.portChanged).toBe(false);
    await again.started.close();

    const holder = createServer();
    await new Promise<void>((resolve) => holder.listen(port, '127.0.0.1', resolve));
    try {
      const moved = await startOnRememberedPort(file, start, portOf);
      expect(moved.portChanged).toBe(true);
      expect(portOf(moved.started)).not.toBe(port);
      expect(readFileSync(file, 'utf8').trim()).toBe(String(portOf(moved.started)));
      await moved.started.close();
    } finally {
      holder.close();
    }
  });
});
