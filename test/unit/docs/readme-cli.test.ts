import { describe, expect, it } from 'vitest';
import { parse } from '../../../bin/command.ts';
import { commands } from '../../../bin/commands/all.ts';
import { bashCommands, hmsSysInvocations, readme, readmeSection } from './readme-commands.ts';

/** The command an invocation names: the longest name its first words spell. */
const commandOf = (args: string[]) => [3, 2, 1].map((n) => commands.find((c) => c.name === args.slice(0, n).join(' '))).find(Boolean);

const invocations = bashCommands(readme).flatMap(hmsSysInvocations);

describe("the README's hms-sys commands", () => {
  it('finds the commands to check', () => {
    expect(invocations.length).toBeGreaterThan(30);
  });

  it.each(invocations.map((args) => [args.join(' '), args] as const))('`hms-sys %s` names a command and options it takes', (_, args) => {
    const command = commandOf(args);
    expect(command, 'a known command').toBeDefined();
    const rest = args.slice(command!.name.split(' ').length);
    expect(() => parse(command!, rest)).not.toThrow();
  });
});

describe('the secrets walk-through', () => {
  const steps = bashCommands(readmeSection('Walk-through: a database secret rotated from the CLI'));

  it('starts the sandbox with PostgreSQL, creates a db secret, registers a service with it, rotates it and reads the restart', () => {
    const order = ['npm start -- --postgres', 'sandbox db-secret create', 'services create', 'secrets rotate', 'audit --service receipt-svc'];
    const at = order.map((step) => steps.findIndex((line) => line.includes(step)));
    expect(at.every((i) => i >= 0)).toBe(true);
    expect([...at].sort((a, b) => a - b)).toEqual(at);
    expect(steps.find((line) => line.includes('services create'))).toContain('--secret "$SECRET"');
  });
});
