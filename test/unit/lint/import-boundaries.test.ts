import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

// Runs the project's own biome.json over probe files laid out like the repo, so a rule that stops
// matching (a pattern that misses nested folders, say) fails here rather than letting an import through.
const root = resolve(import.meta.dirname, '../../..');
const biome = join(root, 'node_modules/@biomejs/biome/bin/biome');
const workspaces: string[] = [];
afterAll(() => {
  for (const workspace of workspaces) rmSync(workspace, { recursive: true, force: true });
});

/** Lints one probe file at `path` in a fresh copy of the project's layout and config. */
function restricted(path: string, source: string): boolean {
  const workspace = mkdtempSync(join(tmpdir(), 'hms-boundaries-'));
  workspaces.push(workspace);
  copyFileSync(join(root, 'biome.json'), join(workspace, 'biome.json'));
  mkdirSync(dirname(join(workspace, path)), { recursive: true });
  writeFileSync(join(workspace, path), `${source}\nexport const used = imported;\n`);
  try {
    execFileSync(process.execPath, [biome, 'lint', '--only=style/noRestrictedImports', path], { cwd: workspace, stdio: 'pipe' });
    return false;
  } catch (err) {
    const { stdout, stderr } = err as { stdout?: Buffer; stderr?: Buffer };
    const output = `${stdout ?? ''}${stderr ?? ''}`;
    if (!output.includes('noRestrictedImports')) throw err;
    return true;
  }
}

describe('import boundaries, as Biome enforces them in npm test', () => {
  it.each([
    ["import { imported } from '#ports/metrics.ts';", 'a port'],
    ["import { imported } from '#adapters/aws/dynamodb-state-store.ts';", 'an adapter'],
    ["import { imported } from '#use-cases/rules.ts';", 'a use case'],
    ["import { imported } from '../ports/metrics.ts';", 'a relative climb out of the domain'],
    ["import { readFileSync as imported } from 'node:fs';", 'file I/O'],
  ])('the domain may not import %s (%s)', (source) => {
    expect(restricted('shared/domain/probe.ts', source)).toBe(true);
  });

  it('the domain may import itself, zod and node:crypto', () => {
    expect(
      restricted(
        'shared/domain/probe.ts',
        "import { imported } from './alarms.ts';\nimport { z } from 'zod/mini';\nimport { createHash } from 'node:crypto';\nvoid z; void createHash;",
      ),
    ).toBe(false);
  });

  it.each([
    "import { imported } from '#adapters/aws/dynamodb-state-store.ts';",
    "import { imported } from '#adapters/local/k8s-sim/state.ts';",
    "import { imported } from '#sandbox/sandbox.ts';",
    "import { DynamoDBClient as imported } from '@aws-sdk/client-dynamodb';",
  ])('a use case may not import %s', (source) => {
    expect(restricted('shared/use-cases/probe.ts', source)).toBe(true);
  });

  it('a use case may import the domain and the ports', () => {
    expect(
      restricted(
        'shared/use-cases/probe.ts',
        "import { imported } from '#domain/alarms.ts';\nimport type { Ports } from '#ports/ports.ts';\nexport type P = Ports;",
      ),
    ).toBe(false);
  });

  it.each(["import { imported } from '#use-cases/meter.ts';", "import { imported } from '#adapters/local/k8s-sim/state.ts';"])(
    'infra may not import %s',
    (source) => {
      expect(restricted('infra/constructs/probe.ts', source)).toBe(true);
    },
  );

  it('infra may import the domain and the function declarations', () => {
    expect(
      restricted(
        'infra/constructs/probe.ts',
        "import { imported } from '#domain/budget.ts';\nimport { functions } from '#functions/index.ts';\nvoid functions;",
      ),
    ).toBe(false);
  });
});
