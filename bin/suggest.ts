/** Edits (insert, delete, substitute, swap two neighbours) that turn one word into another. */
export function editDistance(a: string, b: string): number {
  const width = b.length + 1;
  // The DP table as one array: d[i * width + j] is the distance between a's first i and b's first j characters.
  const d = new Uint16Array((a.length + 1) * width);
  const at = (i: number, j: number) => d[i * width + j] ?? 0;
  for (let i = 0; i <= a.length; i += 1) d[i * width] = i;
  for (let j = 0; j <= b.length; j += 1) d[j] = j;
  for (let i = 1; i <= a.length; i += 1) {
    for (let j = 1; j <= b.length; j += 1) {
      let best = Math.min(at(i - 1, j) + 1, at(i, j - 1) + 1, at(i - 1, j - 1) + (a[i - 1] === b[j - 1] ? 0 : 1));
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) best = Math.min(best, at(i - 2, j - 2) + 1);
      d[i * width + j] = best;
    }
  }
  return at(a.length, b.length);
}

/**
 * The candidate nearest to `typed`, if it is near enough to be what was meant: about a third of its
 * letters. `except` (the command already run) is never suggested: "did you mean `dev`?" after `dev` helps no one.
 */
export function nearest(typed: string, candidates: readonly string[], except?: string): string | null {
  let best: { candidate: string; distance: number } | null = null;
  for (const candidate of candidates) {
    if (candidate === except) continue;
    const distance = editDistance(typed, candidate);
    if (!best || distance < best.distance) best = { candidate, distance };
  }
  return best && best.distance <= Math.max(1, Math.floor(best.candidate.length / 3)) ? best.candidate : null;
}

/**
 * npm keeps the options before `--` for itself: `npm start --port 8790` sets npm_config_port and
 * passes only `8790` on. For an option of the command that npm took this way, how to pass it.
 */
export function npmTookOption(options: readonly string[], value: string, env: NodeJS.ProcessEnv = process.env): string | null {
  const script = env.npm_lifecycle_event;
  if (!script) return null;
  const taken = options.find((option) => env[`npm_config_${option.replaceAll('-', '_')}`] !== undefined);
  if (!taken) return null;
  const run = script === 'start' || script === 'test' ? `npm ${script}` : `npm run ${script}`;
  return `npm took --${taken} for itself; pass options after --: \`${run} -- --${taken} ${value}\``;
}
