#!/usr/bin/env node
// `hms sys …` and `hms mesh …` run hms-sys (bin/hms-args.ts says how), through tsx like bin/hms-sys.js.
import { register } from 'tsx/esm/api';

register();
const { HMS_USAGE, hmsToHmsSys } = await import('./hms-args.ts');
const invocation = hmsToHmsSys(process.argv.slice(2));
if (invocation.kind === 'help') {
  console.log(HMS_USAGE);
} else if (invocation.kind === 'usage-error') {
  console.error(`${invocation.message}\n\n${HMS_USAGE}`);
  process.exitCode = 2;
} else {
  process.argv = [process.argv[0], new URL('./hms-sys.js', import.meta.url).pathname, ...invocation.argv];
  await import('./cli.ts');
}
