import type { memoryMeshPorts } from '../memory-mesh-ports.ts';

export type MeshTestPorts = ReturnType<typeof memoryMeshPorts>['ports'];

/** The ports a mesh use case calls, each of whose calls is counted by stalledAt. */
const PORT_NAMES = ['mesh', 'meshStore', 'store', 'audit', 'auditOutbox', 'metrics', 'cluster'] as const;

/**
 * The ports with call number `at` (from 0, across all of them) held until resume(); `reached`
 * settles when that call is made, so a test can run a second writer at exactly that point.
 */
export function stalledAt(ports: MeshTestPorts, at: number) {
  let count = 0;
  let resume = () => {};
  const gate = new Promise<void>((r) => {
    resume = r;
  });
  let reach = () => {};
  const reached = new Promise<void>((r) => {
    reach = r;
  });
  const wrap = <T extends object>(port: T): T =>
    new Proxy(port, {
      get: (target, member, receiver) => {
        const value = Reflect.get(target, member, receiver);
        if (typeof value !== 'function') return value;
        return async (...args: unknown[]) => {
          if (count++ === at) {
            reach();
            await gate;
          }
          return (value as (...a: unknown[]) => unknown).apply(target, args);
        };
      },
    });
  const wrapped = { ...ports } as Record<string, unknown>;
  for (const name of PORT_NAMES) wrapped[name] = wrap(ports[name] as object);
  return { ports: wrapped as unknown as MeshTestPorts, reached, resume, calls: () => count };
}
