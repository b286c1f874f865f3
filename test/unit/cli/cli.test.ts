import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { type Command, helpText } from '../../../bin/command.ts';
import { devCommands } from '../../../bin/commands/dev.ts';
import { clusterCommands, observeCommands } from '../../../bin/commands/observe.ts';
import { rbacCommands } from '../../../bin/commands/rbac.ts';
import { ruleCommands } from '../../../bin/commands/rules.ts';
import { serviceCommands } from '../../../bin/commands/services.ts';

const commands: Command[] = [...devCommands, ...serviceCommands, ...ruleCommands, ...observeCommands, ...clusterCommands, ...rbacCommands];
const cli = (...args: string[]) =>
  spawnSync(process.execPath, ['--import', 'tsx', 'bin/cli.ts', ...args], { encoding: 'utf8', env: { ...process.env, HMS_DATA_DIR: '/nonexistent-hms-sys' } });

describe('the hms-sys CLI', () => {
  it('covers the commands the foundation issue lists', () => {
    const names = commands.map((c) => c.name);
    for (const name of ['dev', 'services create', 'services list', 'rules create', 'rules list', 'rules status', 'rules delete', 'metrics put', 'audit']) {
      expect(names).toContain(name);
    }
  });

  it.each(commands.map((c) => [c.name, c] as const))('%s has help text naming its usage and options', (_, command) => {
    const text = helpText(command);
    expect(text).toContain(`Usage: hms-sys ${command.usage}`);
    for (const option of Object.keys(command.options)) expect(text).toContain(`--${option}`);
  });

  it("prints a command's help and exits 0, even beside an unknown option", () => {
    const run = cli('rules', 'create', '--help', '--bogus');
    expect(run.status).toBe(0);
    expect(run.stdout).toContain('--threshold <value>  ');
  });

  it('names an unknown option and points to --help, exiting 2', () => {
    const run = cli('rules', 'create', '--treshold', '5');
    expect(run.status).toBe(2);
    expect(run.stderr.trim()).toBe("hms-sys: unknown option --treshold (did you mean --threshold?) for 'rules create'; see hms-sys rules create --help");
  });

  it('says a command is unknown, exiting 2', () => {
    const run = cli('frobnicate');
    expect(run.status).toBe(2);
    expect(run.stderr).toContain("hms-sys: unknown command 'frobnicate'");
  });

  it('explains what to do when no sandbox is running', () => {
    const run = cli('rules', 'list');
    expect(run.status).toBe(2);
    expect(run.stderr).toContain('no token: pass --token, set HMS_TOKEN, or start the sandbox with npm start');
  });
});
