/**
 * Local mode runs in compressed time: one real millisecond is `factor` virtual ones, so a
 * 10-minute Neo compile or a 72-hour approval window takes moments. Every simulated thing
 * (jobs, devices, Wait states, handler clocks) reads this one clock.
 */
export class VirtualClock {
  readonly startedAt: number;
  private readonly realStart: number;

  constructor(
    readonly factor: number,
    start = Date.now(),
  ) {
    this.startedAt = start;
    this.realStart = Date.now();
  }

  /** Virtual epoch milliseconds. */
  now(): number {
    return this.startedAt + (Date.now() - this.realStart) * this.factor;
  }

  /** Real milliseconds that `virtualMs` take. */
  realMs(virtualMs: number): number {
    return Math.max(0, virtualMs / this.factor);
  }

  /** Sleeps `virtualMs` of virtual time. */
  sleep(virtualMs: number): Promise<void> {
    return new Promise((resolve) => setTimeout(resolve, this.realMs(virtualMs)).unref?.());
  }

  /** What a worker needs to run the same clock. */
  describe() {
    return { factor: this.factor, startedAt: this.startedAt, realStart: this.realStart };
  }
}
