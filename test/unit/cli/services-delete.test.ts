import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { ApiClient } from '../../../bin/client.ts';
import type { CommandContext } from '../../../bin/command.ts';
import { serviceCommands } from '../../../bin/commands/services.ts';

const deleteCommand = serviceCommands.find((c) => c.name === 'services delete')!;

beforeEach(() => {
  vi.spyOn(console, 'log').mockImplementation(() => undefined);
});
afterEach(() => vi.restoreAllMocks());

/** Runs `services delete eligibility-api` with these flags and returns the path it called. */
async function pathFor(values: CommandContext['values']): Promise<string> {
  const paths: string[] = [];
  const api: ApiClient = {
    call: async (_method, path) => {
      paths.push(path);
      return { deleted: 'eligibility-api' };
    },
  };
  await deleteCommand.run({ values, positionals: ['eligibility-api'], output: 'json', dataDir: '/nonexistent-hms-sys', api: () => api });
  return paths[0]!;
}

describe('services delete', () => {
  it('declares --cascade beside --dry-run', () => {
    expect(Object.keys(deleteCommand.options ?? {})).toEqual(expect.arrayContaining(['cascade', 'dry-run']));
    expect(deleteCommand.usage).toContain('--cascade');
  });

  it.each([
    [{}, '/services/eligibility-api'],
    [{ cascade: true }, '/services/eligibility-api?cascade=true'],
    [{ 'dry-run': true }, '/services/eligibility-api?dryRun=true'],
    [{ cascade: true, 'dry-run': true }, '/services/eligibility-api?cascade=true&dryRun=true'],
  ])('with %o calls DELETE %s', async (values, path) => {
    expect(await pathFor(values)).toBe(path);
  });
});
