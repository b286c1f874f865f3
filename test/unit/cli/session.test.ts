import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readSession, removeOwnSession, runningSession, SandboxNotRunningError, writeSession } from '../../../bin/session.ts';

let dataDir: string;
beforeEach(() => {
  dataDir = mkdtempSync(join(tmpdir(), 'hms-sys-session-'));
});
afterEach(() => rmSync(dataDir, { recursive: true, force: true }));

const session = (pid: number) => ({ url: 'http://127.0.0.1:1', k8sUrl: 'https://127.0.0.1:2', k8sToken: 't', tokens: { admin: 'a' }, pid });
/** The id of a process that has exited: one that ran and ended. */
const exitedPid = () => spawnSync(process.execPath, ['-e', '0']).pid!;

describe('runningSession', () => {
  it('is null where no sandbox started', () => {
    expect(runningSession(dataDir)).toBeNull();
  });

  it('is the session of a sandbox whose process runs', () => {
    writeSession(dataDir, session(process.pid));
    expect(runningSession(dataDir)?.url).toBe('http://127.0.0.1:1');
  });

  it('says the sandbox is not running when sandbox.json outlived its process', () => {
    const pid = exitedPid();
    writeSession(dataDir, session(pid));
    expect(() => runningSession(dataDir)).toThrow(SandboxNotRunningError);
    expect(() => runningSession(dataDir)).toThrow(
      `the sandbox is not running: start it with npm start (${join(dataDir, 'sandbox.json')} was left by process ${pid}, which has exited)`,
    );
  });
});

describe('removeOwnSession', () => {
  it("removes this process's sandbox.json and leaves another's", () => {
    writeSession(dataDir, session(process.pid + 1));
    removeOwnSession(dataDir);
    expect(readSession(dataDir)?.pid).toBe(process.pid + 1);
    writeSession(dataDir, session(process.pid));
    removeOwnSession(dataDir);
    expect(existsSync(join(dataDir, 'sandbox.json'))).toBe(false);
  });
});
