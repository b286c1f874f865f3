import type { Clock } from '#ports/clock.ts';

/** Real time plus an offset that can be moved forward, so a demo or test can skip a 5-minute window. */
export class OffsetClock implements Clock {
  private offsetMs = 0;

  now(): Date {
    return new Date(Date.now() + this.offsetMs);
  }

  advance(ms: number): void {
    this.offsetMs += ms;
  }
}
