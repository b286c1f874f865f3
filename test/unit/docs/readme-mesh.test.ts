import { describe, expect, it } from 'vitest';
import { httpRoutes } from '#functions/http-routes.ts';
import { TOKEN_PROFILES } from '#sandbox/dev-auth.ts';
import { parse } from '../../../bin/command.ts';
import { commands } from '../../../bin/commands/all.ts';
import { bashCommands, blocksOf, readme, readmeSection } from './readme-commands.ts';

const SECTION = "Walk-through: the seeds' services on the mesh";
const section = readmeSection(SECTION);
const lines = bashCommands(section);

/** The hms-sys arguments of `hms-sys …` and of the second bin's `hms sys …` in a line, at its start or inside $(...). */
const invocations = (line: string) =>
  [...line.matchAll(/(?:^|\$\()(?:hms-sys|hms sys) ([^|;)]*)/g)].map(([, rest]) =>
    [...rest!.trim().matchAll(/"[^"]*"|'[^']*'|\S+/g)].map(([w]) => w!.replace(/^(["'])(.*)\1$/, '$2')),
  );
const commandOf = (args: string[]) => [3, 2, 1].map((n) => commands.find((c) => c.name === args.slice(0, n).join(' '))).find(Boolean);

describe("the README's mesh walk-through", () => {
  it("runs the seeds' commands as the chapters print them, from the folder that holds the seeds' files", () => {
    // Nothing installed: no npm link (npm's global prefix is root's on many machines), the clone's bins on the PATH.
    expect(lines).not.toContain('npm link');
    expect(lines.slice(0, 4)).toEqual([
      'export HMS_DATA_DIR="$PWD/.hms-sys" KUBECONFIG="$PWD/.hms-sys/kubeconfig"',
      'mkdir -p "$HMS_DATA_DIR/bin" && ln -sf "$PWD/bin/hms-sys.js" "$HMS_DATA_DIR/bin/hms-sys" && ln -sf "$PWD/bin/hms.js" "$HMS_DATA_DIR/bin/hms"',
      'export PATH="$HMS_DATA_DIR/bin:$PATH"',
      'cd test/fixtures/seeds',
    ]);
    expect(lines).toContain('kubectl apply --server-side --validate=false -f ../../../docs/examples/notification-deployment.yaml');
    expect(lines).toContain('hms-sys deploy receipt.hms.yml');
    expect(lines).toContain('hms sys apply manifests/notification.yaml');
    expect(lines).toContain('hms-sys apply -f policies/irs-fraud.yml --dry-run');
    expect(lines).toContain('hms sys apply policies/irs-fraud.yml');
    expect(lines).toContain('hms-sys discover notification-svc');
  });

  it('names, in every hms-sys and hms sys invocation, a command and options it takes', () => {
    const all = lines.flatMap(invocations);
    expect(all.length).toBeGreaterThanOrEqual(8);
    for (const args of all) {
      const command = commandOf(args);
      expect(command, args.join(' ')).toBeDefined();
      expect(() => parse(command!, args.slice(command!.name.split(' ').length))).not.toThrow();
    }
  });

  it('shows the deploy output in the seed’s shape, without a step that does not happen', () => {
    const deploy = blocksOf(section).find((b) => b.commands.includes('hms-sys deploy receipt.hms.yml'));
    expect(deploy?.output).toBeDefined();
    expect(deploy!.output).toContain('✓ Registered in service mesh');
    expect(deploy!.output).toContain('✓ Auto-scaler set (2-10)');
    expect(deploy!.output!.at(-1)).toBe('Service URL: http://receipt-svc.mesh/receipt');
    expect(deploy!.output!.join('\n')).not.toMatch(/Image pulled/);
  });

  it('calls with curl only declared routes, with a token profile holding their scope', () => {
    const curls = lines.filter((l) => l.includes('curl '));
    expect(curls.length).toBeGreaterThanOrEqual(2);
    for (const line of curls) {
      const [, method = 'GET', path = ''] = /curl -s(?: -X (\w+))?.*http:\/\/127\.0\.0\.1:8787(\/[^?' ]*)/.exec(line) ?? [];
      const route = httpRoutes.find((r) => r.method === method && new RegExp(`^${r.path.replace(/\{\w+\}/g, '[^/]+')}$`).test(path));
      expect(route, line).toBeDefined();
      const profile = /--profile (\w+)/.exec(`${line} ${lines.find((l) => l.startsWith('TOKEN=')) ?? ''}`)?.[1];
      expect(TOKEN_PROFILES[profile!], line).toContain(route!.scope);
    }
  });
});

describe("the README's token profiles", () => {
  it('lists each profile with exactly the scopes the sandbox gives it', () => {
    const rows = [...readme.matchAll(/^\| `(\w+)` \| `([^`]+)` \|$/gm)].map(([, name, scopes]) => [name, scopes!.split(' ')]);
    expect(Object.fromEntries(rows)).toEqual(Object.fromEntries(Object.entries(TOKEN_PROFILES).map(([name, scopes]) => [name, [...scopes]])));
  });
});
