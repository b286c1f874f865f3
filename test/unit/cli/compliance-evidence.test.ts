import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT, VITEST_RESULTS } from '../../../bin/commands/compliance.ts';
import { CONTROLS } from '../../../bin/compliance/controls.ts';
import { buildEvidence, type Control, type Evidence, MissingTestsError, stringLiterals, type VitestReport } from '../../../bin/compliance/evidence.ts';
import { evidenceJson, evidenceMarkdown } from '../../../bin/compliance/render.ts';
import vitestConfig from '../../../vitest.config.ts';

const source = (file: string) => {
  try {
    return readFileSync(join(REPO_ROOT, file), 'utf8');
  } catch {
    return null;
  }
};
const named = CONTROLS.flatMap((control) => control.tests);

/** A vitest JSON report in which every named test ran, with the status `statusOf` gives it. */
function reportOf(statusOf: (file: string, title: string) => string, drop?: { file: string; title: string }): VitestReport {
  const files = [...new Set(named.map((test) => test.file))];
  return {
    startTime: Date.UTC(2026, 11, 3, 16, 0),
    testResults: files.map((file) => ({
      name: join(REPO_ROOT, file),
      assertionResults: named
        .filter((test) => test.file === file && !(drop && drop.file === file && drop.title === test.name.at(-1)))
        .map((test) => ({ ancestorTitles: test.name.slice(0, -1), title: test.name.at(-1)!, status: statusOf(file, test.name.at(-1)!) })),
    })),
  };
}

/** A report holding exactly the results a committed evidence file cites. */
function reportOfCommitted(evidence: Evidence): VitestReport {
  const ran = evidence.controls.flatMap((row) => row.tests).filter((test) => test.result !== 'not run');
  return {
    ...(evidence.runStartedAt === null ? {} : { startTime: Date.parse(evidence.runStartedAt) }),
    testResults: [...new Set(ran.map((test) => test.file))].map((file) => ({
      name: join(REPO_ROOT, file),
      assertionResults: ran
        .filter((test) => test.file === file)
        .map((test) => ({ ancestorTitles: test.name.slice(0, -1), title: test.name.at(-1)!, status: test.result })),
    })),
  };
}

function runCli(args: string[]) {
  return spawnSync(process.execPath, ['bin/hms-sys.js', 'compliance', 'evidence', ...args], { cwd: REPO_ROOT, encoding: 'utf8' });
}

describe('hms-sys compliance evidence', () => {
  it('fails, naming it, when the evidence names a test that does not exist', () => {
    const ghost: Control = {
      ...CONTROLS[0]!,
      tests: [{ file: 'test/unit/domain/audit.test.ts', name: ['audit chain', 'finds a record that was never written'] }],
    };
    expect(() => buildEvidence([ghost], source)).toThrow(MissingTestsError);
    expect(() => buildEvidence([ghost], source)).toThrow('audit chain › finds a record that was never written');
    const noFile: Control = { ...ghost, tests: [{ file: 'test/unit/domain/gone.test.ts', name: ['a', 'b'] }] };
    expect(() => buildEvidence([noFile], source)).toThrow('(no file test/unit/domain/gone.test.ts)');
  });

  it('fails from the command line, exiting 1 without writing, when the run it reads ran a named test file without the test', () => {
    const dir = mkdtempSync(join(tmpdir(), 'hms-evidence-'));
    const dropped = named[0]!;
    const results = join(dir, 'results.json');
    writeFileSync(results, JSON.stringify(reportOf(() => 'passed', { file: dropped.file, title: dropped.name.at(-1)! })));
    const run = runCli(['--results', results, '--out', join(dir, 'out')]);
    expect(run.status).toBe(1);
    expect(run.stderr).toContain(dropped.name.at(-1));
    expect(run.stderr).toContain(`ran ${dropped.file} without it`);
    expect(() => readFileSync(join(dir, 'out', 'evidence.md'))).toThrow();
  });

  it("gives each named test its result in the run read, and a control's last run is its worst", () => {
    const failing = named.find((test) => test.file === 'test/infra/audit-archive.test.ts')!;
    const evidence = buildEvidence(CONTROLS, source, {
      path: VITEST_RESULTS,
      root: REPO_ROOT,
      data: reportOf((file, title) => (file === failing.file && title === failing.name.at(-1) ? 'failed' : 'passed')),
    });
    expect(evidence.runStartedAt).toBe('2026-12-03T16:00:00.000Z');
    for (const row of evidence.controls) {
      const cites = row.tests.some((test) => test.file === failing.file && test.name.at(-1) === failing.name.at(-1));
      expect(row.lastRun, row.id).toBe(row.tests.length === 0 ? 'no tests' : cites ? 'failed' : 'passed');
    }
    expect(evidenceMarkdown(evidence)).toContain('**failed**');
    // Without a report, nothing is claimed to have passed.
    expect(buildEvidence(CONTROLS, source).controls.every((row) => row.lastRun === 'not run' || row.lastRun === 'no tests')).toBe(true);
  });

  it('has one row for each control the issue asks for, and a control not fully met says why and cites no test as proof of what it lacks', () => {
    expect(CONTROLS.map((control) => control.id)).toEqual([
      'AU-2',
      'AU-3',
      'AU-8',
      'AU-9',
      'AU-9(3)',
      'AU-10',
      'AU-11',
      'AU-12',
      'AC-3',
      'AC-6',
      'IA-2',
      'SC-8',
      'SC-12',
      'SC-13',
      'SC-28',
    ]);
    for (const control of CONTROLS) {
      if (control.status !== 'met') expect(control.gap?.length ?? 0, control.id).toBeGreaterThan(40);
      if (control.status === 'not met') expect(control.tests, control.id).toEqual([]);
    }
    expect(() => buildEvidence([{ ...CONTROLS[0]!, status: 'partly met' }], source)).toThrow(/say what is missing/);
  });

  it('reads titles as written, whatever quotes, comments or substitutions surround them', () => {
    const literals = stringLiterals(
      [
        "// the function's own comment, with an 'unpaired quote",
        `it("records the token's subject", () => {});`,
        "/* a block's comment */ describe('a > b', () => {});",
        // A template with a substitution: made at run time, so not a title one can name.
        'it(`plain template`, () => {}); it(`made $' + '{"at run"} time`, () => {});',
      ].join('\n'),
    );
    expect([...literals].sort()).toEqual(['a > b', 'plain template', "records the token's subject"]);
    expect(literals.has('made  time')).toBe(false);
    expect(literals.has('s own comment, with an ')).toBe(false);
  });
});

describe('shipping the evidence', () => {
  it('vitest writes the JSON report the command reads, and keeps its default reporter', () => {
    const test = (vitestConfig as { test: { reporters: string[]; outputFile: Record<string, string> } }).test;
    expect(test.reporters).toEqual(['default', 'json']);
    expect(test.outputFile.json).toBe(VITEST_RESULTS);
  });

  it("docs/compliance/ holds what the command writes from the run it cites, with today's controls and tests, and the README links it", () => {
    const committed = JSON.parse(readFileSync(join(REPO_ROOT, 'docs/compliance/evidence.json'), 'utf8')) as Evidence;
    // The committed copy's own results stand in for the run it cites: a control, a claim or a test
    // named since then, or one gone, makes the rebuilt table differ, or fail, until it is made again.
    const evidence = buildEvidence(
      CONTROLS,
      source,
      committed.results === null ? undefined : { path: committed.results, root: REPO_ROOT, data: reportOfCommitted(committed) },
    );
    expect(readFileSync(join(REPO_ROOT, 'docs/compliance/evidence.json'), 'utf8')).toBe(evidenceJson(evidence));
    expect(readFileSync(join(REPO_ROOT, 'docs/compliance/evidence.md'), 'utf8')).toBe(evidenceMarkdown(evidence));
    expect(readFileSync(join(REPO_ROOT, 'README.md'), 'utf8')).toContain('(docs/compliance/evidence.md)');
  });

  it('.ci/run writes the table from its test run, after the tests', () => {
    const ci = readFileSync(join(REPO_ROOT, '.ci/run'), 'utf8');
    const tests = ci.indexOf('npm test');
    const evidence = ci.indexOf(`compliance evidence --results ${VITEST_RESULTS}`);
    expect(tests).toBeGreaterThan(-1);
    expect(evidence).toBeGreaterThan(tests);
  });
});
