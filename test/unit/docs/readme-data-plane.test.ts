import { describe, expect, it } from 'vitest';
import { DEFAULT_PROXY_PORT, DEFAULT_STATS_PORT } from '#adapters/local/mesh-data-plane/data-plane.ts';
import { ISTIO_DEFAULT_RETRY } from '#adapters/local/mesh-data-plane/routing.ts';
import { MESH_DATA_PLANE_ROUTES } from '#sandbox/mesh-data-plane-sandbox.ts';
import { bashCommands, readmeSection } from './readme-commands.ts';

const section = readmeSection("Mesh: the sandbox's local data plane");

describe("the README's local data plane", () => {
  it('names the ports the data plane listens on by default', () => {
    const curls = bashCommands(section).filter((l) => l.startsWith('curl'));
    expect(curls.some((l) => l.includes(`--proxy http://127.0.0.1:${DEFAULT_PROXY_PORT} -X POST http://receipt-svc.mesh/receipt`))).toBe(true);
    expect(curls.some((l) => l.includes(`-x http://return-intake@127.0.0.1:${DEFAULT_PROXY_PORT} `))).toBe(true);
    expect(curls.some((l) => l.includes(`http://127.0.0.1:${DEFAULT_STATS_PORT}/stats/prometheus`))).toBe(true);
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
