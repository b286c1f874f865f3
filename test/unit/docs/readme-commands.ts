import { readFileSync } from 'node:fs';

export const readme = readFileSync(new URL('../../../README.md', import.meta.url), 'utf8');

/** The README's text under a heading (## or ###), up to the next heading of the same or a higher level. */
export function readmeSection(heading: string): string {
  const match = new RegExp(`^(#{2,3}) ${heading.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\s*$`, 'm').exec(readme);
  if (!match) throw new Error(`the README has no heading "${heading}"`);
  const start = match.index + match[0].length;
  const next = new RegExp(`^#{2,${match[1]!.length}} `, 'm').exec(readme.slice(start));
  return readme.slice(start, next ? start + next.index : undefined);
}

/** The commands of the ```bash blocks in a text, one per command: continuation lines joined, comments dropped. */
export function bashCommands(text: string): string[] {
  const blocks = [...text.matchAll(/```bash\n([\s\S]*?)```/g)].map(([, body]) => body!);
  return blocks
    .flatMap((body) => body.replace(/\\\n\s*/g, ' ').split('\n'))
    .map((line) => line.replace(/\s+#\s.*$/, '').trim())
    .filter((line) => line !== '' && !line.startsWith('#'));
}

/**
 * The arguments of each `npx hms-sys` invocation in a command line, including those inside $(...)
 * and before a pipe, as the shell would split them (quotes removed, variables and <placeholders> kept as words).
 */
export function hmsSysInvocations(line: string): string[][] {
  return [...line.matchAll(/npx hms-sys ([^|;)]*)/g)].map(([, rest]) =>
    [...rest!.trim().matchAll(/<[^>]*>|"[^"]*"|'[^']*'|\S+/g)].map(([word]) => word!.replace(/^(["'])(.*)\1$/, '$2')),
  );
}

/** A text's fenced blocks as they read: each ```bash block's commands, with the plain ``` output block after it, if any. */
export function blocksOf(text: string): Array<{ commands: string[]; output?: string[] }> {
  const out: Array<{ commands: string[]; output?: string[] }> = [];
  for (const [, bash, body = ''] of text.matchAll(/```(bash)?\n([\s\S]*?)```/g)) {
    if (bash) out.push({ commands: bashCommands(`\`\`\`bash\n${body}\`\`\``) });
    else {
      const last = out.at(-1);
      if (last) last.output = body.trimEnd().split('\n');
    }
  }
  return out;
}
