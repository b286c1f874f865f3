import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Command, UsageError } from '../command.ts';
import { CONTROLS } from '../compliance/controls.ts';
import { buildEvidence, type VitestReport } from '../compliance/evidence.ts';
import { evidenceJson, evidenceMarkdown } from '../compliance/render.ts';
import { print } from '../output.ts';

/** The repository the named tests live in: this file is bin/commands/compliance.ts. */
export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
/** Where vitest's JSON reporter writes (vitest.config.ts). */
export const VITEST_RESULTS = 'reports/vitest-results.json';
export const DEFAULT_EVIDENCE_DIR = 'reports/compliance';

/** A test file's text, or null when there is none. */
const testSource = (file: string) => {
  const path = join(REPO_ROOT, file);
  return existsSync(path) ? readFileSync(path, 'utf8') : null;
};

/** Reads a vitest JSON report, refusing a file that is not one. */
export function readReport(path: string): VitestReport {
  let data: unknown;
  try {
    data = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new UsageError(`--results ${path} cannot be read as JSON: ${(error as Error).message}`);
  }
  if (typeof data !== 'object' || data === null || !Array.isArray((data as VitestReport).testResults)) {
    throw new UsageError(`--results ${path} is not a vitest JSON report (no testResults): write one with vitest's json reporter`);
  }
  return data as VitestReport;
}

/** Builds the evidence and writes evidence.md and evidence.json into `out`; answers the paths written. */
export function writeEvidence(resultsPath: string | undefined, out: string): { evidence: ReturnType<typeof buildEvidence>; files: string[] } {
  const report = resultsPath === undefined ? undefined : { path: relative(REPO_ROOT, resolve(resultsPath)), root: REPO_ROOT, data: readReport(resultsPath) };
  const evidence = buildEvidence(CONTROLS, testSource, report);
  mkdirSync(out, { recursive: true });
  const files = [join(out, 'evidence.md'), join(out, 'evidence.json')];
  writeFileSync(files[0]!, evidenceMarkdown(evidence));
  writeFileSync(files[1]!, evidenceJson(evidence));
  return { evidence, files };
}

export const complianceCommands: Command[] = [
  {
    name: 'compliance evidence',
    summary: 'write the NIST SP 800-53 control evidence table (Markdown and JSON) from the last test run',
    usage: 'compliance evidence [--results FILE] [--out DIR]',
    options: { results: { type: 'string' }, out: { type: 'string' } },
    describe: {
      results: `vitest JSON report of the run to cite (npm test writes ${VITEST_RESULTS}); left out, every result is "not run"`,
      out: `folder for evidence.md and evidence.json (default ${DEFAULT_EVIDENCE_DIR})`,
    },
    globals: ['output'],
    run: async (ctx) => {
      const results = ctx.values.results as string | undefined;
      if (results !== undefined && !existsSync(results))
        throw new UsageError(`--results ${results} does not exist: run the tests first (npm test writes ${VITEST_RESULTS})`);
      const { evidence, files } = writeEvidence(results, (ctx.values.out as string | undefined) ?? DEFAULT_EVIDENCE_DIR);
      const rows = evidence.controls.map((row) => ({ control: row.id, status: row.status, tests: row.tests.length, lastRun: row.lastRun }));
      print(ctx.output === 'json' ? evidence : rows, ctx.output, ['control', 'status', 'tests', 'lastRun']);
      if (ctx.output !== 'json') console.log(`\nwrote ${files.join(' and ')}`);
    },
  },
];
