import { describe, expect, it } from 'vitest';
import { DEFAULT_PROXY_PORT, DEFAULT_STATS_PORT } from '#adapters/local/mesh-data-plane/data-plane.ts';
import { ISTIO_DEFAULT_RETRY } from '#adapters/local/mesh-data-plane/routing.ts';
import { MESH_DATA_PLANE_ROUTES } from '#sandbox/mesh-data-plane-sandbox.ts';
import { bashCommands, readmeSection } from './readme-commands.ts';

const section = readmeSection("Mesh: the sandbox's local data plane");

describe("the README's local data plane", () => {
  it('names the default ports, and has a reader take the real ones from sandbox.json, as the banner prints them', () => {
    expect(section).toContain(`\`127.0.0.1:${DEFAULT_PROXY_PORT}\``);
    expect(section).toContain(`\`127.0.0.1:${DEFAULT_STATS_PORT}\``);
    const commands = bashCommands(section);
    expect(commands).toContain(`PROXY=$(node -p "require('./.hms-sys/sandbox.json').meshProxy")`);
    expect(commands).toContain(`METRICS=$(node -p "require('./.hms-sys/sandbox.json').meshMetrics")`);
    const curls = commands.filter((l) => l.startsWith('curl'));
    expect(curls.some((l) => l.includes('--proxy "$PROXY" -X POST http://receipt-svc.mesh/receipt'))).toBe(true);
    expect(curls.some((l) => l.includes('--proxy "$PROXY" --proxy-user return-intake: '))).toBe(true);
    expect(curls.some((l) => l.includes('"$METRICS"'))).toBe(true);
    // No curl names a fixed port: a taken one moves the data plane, and 15001 may be another sandbox's.
    expect(curls.filter((l) => /127\.0\.0\.1:\d+/.test(l))).toEqual([]);
  });

  it('lists its sandbox routes with their scopes', () => {
    for (const [route, scope] of Object.entries(MESH_DATA_PLANE_ROUTES)) {
      const [method, path] = route.split(' ');
      expect(section).toMatch(new RegExp(`\`${method} ${path}[^\`]*\`,? \\(?scope\\s+\`${scope}\``));
    }
  });

  it("states Istio's default retry policy as the code applies it", () => {
    expect(section).toContain(
      `a route without \`retries\` gets Istio's default (${ISTIO_DEFAULT_RETRY.attempts} on \`${ISTIO_DEFAULT_RETRY.retryOn.join(',')}\` with ${ISTIO_DEFAULT_RETRY.retriableStatusCodes.join(',')})`,
    );
  });
});
