import { describe, expect, test } from 'vitest';
import { clusterAccessLevel } from '../../../infra/constructs/eks-access.ts';

describe('clusterAccessLevel', () => {
  test.each([
    [['state', 'cluster-read'], 'read'],
    [['cluster-write'], 'write'],
    [['cluster-write', 'cluster-read'], 'write'],
    [['cluster-capacity', 'cluster-write'], 'capacity'],
    [['state', 'audit', 'cluster-restart'], 'restart'],
    [['state', 'cluster-mesh', 'mesh-schedules'], 'mesh'],
    [['state', 'audit'], undefined],
  ] as const)('%j → %s', (needs, level) => {
    expect(clusterAccessLevel(needs)).toBe(level);
  });

  test.each([['cluster-read'], ['cluster-write'], ['cluster-capacity']] as const)(
    'refuses cluster-restart with %s: an access entry holds one group, and the restarter Role shares no calls',
    (other) => {
      expect(() => clusterAccessLevel(['cluster-restart', other])).toThrow(/cluster-restart cannot be combined with/);
    },
  );

  test.each([['cluster-read'], ['cluster-write'], ['cluster-capacity'], ['cluster-restart']] as const)(
    'refuses cluster-mesh with %s: the mesh Role is no superset of another group',
    (other) => {
      expect(() => clusterAccessLevel(['cluster-mesh', other])).toThrow(/cannot be combined with/);
    },
  );
});
