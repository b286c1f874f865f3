import { spawnSync } from 'node:child_process';
import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { meshDataPlaneLines, portHint } from '../../../bin/commands/dev.ts';
import { nearest, npmTookOption } from '../../../bin/suggest.ts';

/** The environment without npm's variables, plus `extra`: as a shell, or as npm runs a script. */
function env(extra: Record<string, string>): NodeJS.ProcessEnv {
  const clean = Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith('npm_')));
  return { ...clean, HMS_DATA_DIR: '/nonexistent-hms-sys', ...extra };
}
const cli = (extra: Record<string, string>, ...args: string[]) =>
  spawnSync(process.execPath, ['--import', 'tsx', 'bin/cli.ts', ...args], { encoding: 'utf8', env: env(extra) });

describe('`npm start --port 8790`: npm keeps --port and passes only 8790', () => {
  it('says to put the option after --, and never suggests the command that was typed', () => {
    const run = cli({ npm_lifecycle_event: 'start', npm_config_port: 'true' }, 'dev', '8790');
    expect(run.status).toBe(2);
    expect(run.stderr.trim()).toBe(
      "hms-sys: unexpected argument '8790' for 'dev'; npm took --port for itself; pass options after --: `npm start -- --port 8790`",
    );
  });

  it('outside npm, a stray argument to dev points at its help, not at `dev`', () => {
    const run = cli({}, 'dev', '8790');
    expect(run.status).toBe(2);
    expect(run.stderr).not.toContain('did you mean `dev`');
    expect(run.stderr.trim()).toBe("hms-sys: unexpected argument '8790' for 'dev'; see hms-sys dev --help");
  });

  it('names npm run for a script other than start or test', () => {
    expect(npmTookOption(['port'], '9000', { npm_lifecycle_event: 'sandbox', npm_config_port: 'true' })).toContain('`npm run sandbox -- --port 9000`');
    expect(npmTookOption(['pod-ready-ms'], '10', { npm_lifecycle_event: 'start', npm_config_pod_ready_ms: 'true' })).toContain(
      '`npm start -- --pod-ready-ms 10`',
    );
    expect(npmTookOption(['port'], '9000', { npm_config_port: 'true' })).toBeNull();
    expect(npmTookOption(['port'], '9000', { npm_lifecycle_event: 'start' })).toBeNull();
  });
});

describe('did you mean', () => {
  it('never suggests the excluded candidate, even when it is the nearest', () => {
    expect(nearest('dev', ['dev', 'token'])).toBe('dev');
    expect(nearest('dev', ['dev', 'token'], 'dev')).toBeNull();
    expect(nearest('audit verfy', ['audit verify', 'audit'], 'audit')).toBe('audit verify');
  });
});

describe('a port in use', () => {
  it('says how to start on another port through npm: after --, or with HMS_PORT', async () => {
    const first = createServer();
    const port = await new Promise<number>((resolve) => first.listen(0, '127.0.0.1', () => resolve((first.address() as { port: number }).port)));
    const second = createServer();
    const cause = await new Promise<Error>((resolve) => {
      second.once('error', resolve);
      second.listen(port, '127.0.0.1');
    });
    first.close();
    const hinted = portHint(new Error(`port ${port} on 127.0.0.1 is in use`, { cause }), port);
    expect(hinted.message).toContain(`port ${port} on 127.0.0.1 is in use`);
    expect(hinted.message).toContain(`\`npm start -- --port ${port + 1}\``);
    expect(hinted.message).toContain(`\`HMS_PORT=${port + 1} npm start\``);
    expect(hinted.message).not.toMatch(/with --port or HMS_PORT/);
  });

  it('leaves any other start error as it was', () => {
    const other = new Error('dynalite failed', { cause: Object.assign(new Error('x'), { code: 'EACCES' }) });
    expect(portHint(other, 8787)).toBe(other);
  });
});

describe("the banner's mesh data plane lines", () => {
  const usual = { proxyPort: 15001, statsPort: 15090 };

  it('prints the proxy and metrics addresses', () => {
    expect(meshDataPlaneLines({ proxyUrl: 'http://127.0.0.1:15001', statsUrl: 'http://127.0.0.1:15090/stats/prometheus' }, usual)).toEqual([
      '  Mesh proxy:  http://127.0.0.1:15001  (curl --proxy; metrics at http://127.0.0.1:15090/stats/prometheus)',
    ]);
  });

  it('says which usual port was taken when the data plane moved', () => {
    const lines = meshDataPlaneLines({ proxyUrl: 'http://127.0.0.1:40123', statsUrl: 'http://127.0.0.1:15090/stats/prometheus' }, usual);
    expect(lines[0]).toContain('http://127.0.0.1:40123');
    expect(lines[1]).toMatch(/usual port \(proxy 15001\) was taken/);
  });
});
