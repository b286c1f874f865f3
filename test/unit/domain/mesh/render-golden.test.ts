/**
 * Golden files pin the rendering: test/fixtures/mesh-golden/<case>.yaml, one per case in render-cases.ts.
 * After an intended change to the rendering, regenerate them and review the diff:
 *   UPDATE_GOLDEN=1 npx vitest run test/unit/domain/mesh/render-golden.test.ts
 * Every rendered object is also validated against its CRD or Kubernetes schema with @kubernetes-models.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { renderService } from '#domain/mesh/render.ts';
import { GOLDEN_CASES, GOLDEN_DIR, goldenText } from './render-cases.ts';
import { modelErrors } from './render-models.ts';

const update = process.env.UPDATE_GOLDEN === '1';

describe('golden renderings (UPDATE_GOLDEN=1 regenerates them)', () => {
  it.each(GOLDEN_CASES.map((c) => [c.name, c] as const))('%s renders exactly as its golden file says', (name, c) => {
    const file = new URL(`${name}.yaml`, GOLDEN_DIR);
    const text = goldenText(c, renderService(c.input()));
    if (update) {
      mkdirSync(GOLDEN_DIR, { recursive: true });
      writeFileSync(file, text);
    }
    expect(existsSync(file), `${file.pathname} is missing: run with UPDATE_GOLDEN=1`).toBe(true);
    expect(text).toBe(readFileSync(file, 'utf8'));
  });

  it.each(GOLDEN_CASES.map((c) => [c.name, c] as const))('%s: its golden file holds the rendered objects as YAML documents, nothing else', (name, c) => {
    const docs = parseAllDocuments(readFileSync(new URL(`${name}.yaml`, GOLDEN_DIR), 'utf8')).map((d) => d.toJS());
    expect(docs.filter((d) => d !== null)).toEqual(renderService(c.input()).objects);
  });

  it.each(GOLDEN_CASES.map((c) => [c.name, c] as const))('%s: every object passes its @kubernetes-models schema', (_, c) => {
    for (const object of renderService(c.input()).objects) expect(modelErrors(object), `${object.kind}/${object.metadata.name}`).toEqual([]);
  });

  it('is deterministic: two renderings of the same input are the same text', () => {
    for (const c of GOLDEN_CASES) expect(goldenText(c, renderService(c.input()))).toBe(goldenText(c, renderService(c.input())));
  });
});
