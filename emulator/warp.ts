import type { VirtualClock } from './clock';

/**
 * Time warp: when nothing happens in the emulator, virtual time jumps to the next thing that
 * will. A local run spends most of its virtual time waiting (Wait states, Neo compiles, device
 * deployments, rollout waves); at a fixed rate those waits cost real seconds. With the warp on,
 * once the world has been quiescent for `settleMs` real milliseconds, the clock jumps to the
 * next pending timer, which then fires at once.
 *
 * Quiescent means: no Lambda invocation running, no HTTP request in flight (SDK calls of the
 * functions, the control API, DynamoDB and S3 behind the same port), no retry pause of the
 * interpreter under way, and no timer already due. Whatever starts such work holds the warp
 * (`hold`/`track`). Simulated devices and jobs are computed from the clock when they are read
 * (emulator/fleet.ts), so a jump skips no event of theirs: the world after a jump is the world
 * a reader would have seen after waiting that long.
 *
 * Never warped over: a timer marked `barrier` (a task token's timeout: someone outside the
 * emulator may answer first, e.g. simulate approving on the page), and nothing at all while
 * the warp is off — `simulate` turns it off while a person decides an approval in real time.
 */
export type Activity = {
  /** Marks the world busy until the returned release is called (idempotent). */
  hold(): () => void;
};

/** An Activity that tracks nothing (the warp is not wired). */
export const NO_ACTIVITY: Activity = { hold: () => () => undefined };

/** Holds `activity` for `realMs` (a pause on a real timer, e.g. the interpreter's retry wait). */
export const holdFor = (activity: Activity, realMs: number): void => {
  const release = activity.hold();
  setTimeout(release, realMs).unref?.();
};

/** Real milliseconds the world must stay quiescent before the clock jumps. */
export const DEFAULT_SETTLE_MS = 15;

export class TimeWarp implements Activity {
  private busy = 0;
  private on: boolean;
  private readonly settleMs: number;
  private check?: ReturnType<typeof setTimeout>;
  /** Bumped by anything that happens: a check started before it does not jump. */
  private generation = 0;
  /** Jumps made and virtual milliseconds skipped, for the run summary and the benchmarks. */
  readonly stats = { jumps: 0, skippedMs: 0 };

  constructor(
    private readonly clock: VirtualClock,
    options: { enabled: boolean; settleMs?: number },
  ) {
    this.on = options.enabled;
    this.settleMs = options.settleMs ?? DEFAULT_SETTLE_MS;
    clock.onTimersChanged(() => this.settle());
    this.settle();
  }

  get enabled(): boolean {
    return this.on;
  }

  /** Turns the warp on or off (off: virtual time only passes at the clock's rate). */
  setEnabled(enabled: boolean): void {
    this.on = enabled;
    this.settle();
  }

  hold(): () => void {
    this.busy++;
    this.cancelCheck();
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.busy--;
      this.settle();
    };
  }

  /** Holds the warp until `work` settles; returns it. */
  track<T>(work: Promise<T>): Promise<T> {
    const release = this.hold();
    work.then(release, release);
    return work;
  }

  /** (Re)starts the settle period: the clock jumps only after `settleMs` of quiescence. */
  private settle() {
    this.cancelCheck();
    if (!this.on || this.busy > 0) return;
    const generation = this.generation;
    this.check = setTimeout(() => {
      // After the I/O this turn of the event loop brings (a request that arrived meanwhile).
      setImmediate(() => {
        if (generation === this.generation) this.jump();
      });
    }, this.settleMs);
    // A pending check alone does not keep the process alive: an idle world may end.
    this.check.unref?.();
  }

  private cancelCheck() {
    this.generation++;
    clearTimeout(this.check);
    this.check = undefined;
  }

  private jump() {
    if (!this.on || this.busy > 0) return;
    const next = this.clock.nextTimer();
    if (!next || next.barrier) return;
    const now = this.clock.now();
    if (next.due <= now) return;
    this.stats.jumps++;
    this.stats.skippedMs += next.due - now;
    this.clock.jumpTo(next.due);
  }
}
