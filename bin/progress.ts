/** What `burst status --watch` draws: ready pods against requested pods, and the burst's state. */

export interface BurstProgress {
  state: string;
  readyPods: number | null;
  requestedPods: number;
  pendingPods?: number | null;
  failure?: string | null;
}

/** `[########------]`: the ready share of `width` cells, never more than full. */
export function progressBar(ready: number, total: number, width = 30): string {
  const share = total > 0 ? Math.min(1, Math.max(0, ready / total)) : 1;
  const filled = Math.floor(share * width);
  return `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}]`;
}

/** `[########------] 640/990 ready  state=ramping`, with Pending pods when there are any. */
export function progressLine(status: BurstProgress, width = 30): string {
  const ready = status.readyPods ?? 0;
  const count = `${status.readyPods ?? '?'}/${status.requestedPods} ready`;
  const pending = status.pendingPods ? `  pending=${status.pendingPods}` : '';
  return `${progressBar(ready, status.requestedPods, width)} ${count}  state=${status.state}${pending}`;
}

/** A line that replaces the one before it on a terminal: carriage return, then clear the line. */
export const redraw = (line: string) => `\r\x1b[2K${line}`;
