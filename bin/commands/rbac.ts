// No #infra alias exists in package.json yet, hence the relative path.
import { isNamespaceName, rbacManifest } from '#infra/rbac.ts';
import { type Command, type CommandContext, need, UsageError } from '../command.ts';

/** The --namespaces list, each name checked as a DNS-1123 label. */
function namespacesOf(ctx: CommandContext): string[] {
  const names = need(ctx, 'namespaces')
    .split(',')
    .map((name) => name.trim())
    .filter((name) => name !== '');
  if (names.length === 0) throw new UsageError('--namespaces needs at least one namespace, e.g. --namespaces benefits,fema');
  const bad = names.filter((name) => !isNamespaceName(name));
  if (bad.length > 0) {
    throw new UsageError(
      `--namespaces: ${bad.map((name) => JSON.stringify(name)).join(', ')} ` +
        `${bad.length === 1 ? 'is not a Kubernetes namespace name' : 'are not Kubernetes namespace names'} ` +
        '(DNS-1123 label: lowercase letters, digits and "-", starting and ending with a letter or digit, at most 63 characters)',
    );
  }
  return names;
}

export const rbacCommands: Command[] = [
  {
    name: 'rbac',
    summary: 'print the Kubernetes RBAC and PriorityClass the controllers need (pipe to kubectl apply -f -)',
    usage: 'rbac --namespaces NS[,NS...]',
    options: { namespaces: { type: 'string' } },
    describe: { namespaces: "comma-separated namespaces, the same as the stack's hms:namespaces" },
    globals: [],
    run: async (ctx) => {
      const manifest = rbacManifest(namespacesOf(ctx));
      // Wait for the write: the CLI exits right after run(), which could cut a piped stdout short.
      await new Promise<void>((resolve, reject) => process.stdout.write(manifest, (err) => (err ? reject(err) : resolve())));
    },
  },
];
