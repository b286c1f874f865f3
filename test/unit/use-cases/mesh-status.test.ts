import { describe, expect, it } from 'vitest';
import { meshStatus } from '#use-cases/mesh/mesh-status.ts';
import { pauseService } from '#use-cases/mesh/pause.ts';
import { meshPorts, operator, registerSeed, registerText } from './mesh-ports.ts';

const LEGACY = `service:
  name: legacy-ledger
  port: 8080
mesh:
  policy:
    mTLS: permissive
`;

describe('mesh status', () => {
  it('flags a PERMISSIVE service, shows a pause in force, says who issues certificates, and reads the root CA without failing', async () => {
    const { ports, clock } = meshPorts();
    await registerSeed(ports, 'fraud-scanner.yaml');
    await registerText(ports, LEGACY);
    await pauseService(ports, operator, { service: 'fraud-scanner', durationMin: 5, reason: 'audit' }, { dryRun: false });

    const status = await meshStatus(ports);
    expect(status.permissive).toEqual(['legacy-ledger']);
    const legacy = status.services.find((s) => s.name === 'legacy-ledger');
    expect(legacy?.flagged).toContain('PERMISSIVE');
    expect(status.services.find((s) => s.name === 'fraud-scanner')).toMatchObject({
      mtls: 'STRICT',
      paused: { until: '2026-11-23T12:05:00.000Z', by: 'user/ops@irs.gov', reason: 'audit' },
      breaker: null,
    });
    expect(status.certificates).toBe("workload certificates are issued and rotated by Istio's CA (24 h, rotated at half-life); hms-sys issues none");
    expect(status.rootCa.lines[0]).toMatch(/no root certificate found/);

    clock.current = new Date('2026-11-23T12:05:00Z');
    expect((await meshStatus(ports)).services.find((s) => s.name === 'fraud-scanner')?.paused).toBeNull();
  });
});
