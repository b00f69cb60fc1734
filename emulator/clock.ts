/**
 * Local mode runs in compressed time: one real millisecond is `factor` virtual ones, so a
 * 10-minute Neo compile takes moments. Every simulated thing (jobs, devices, Wait states,
 * task timeouts, handler clocks) reads this one clock.
 *
 * The rate can change while the world runs (`setFactor`): `edge-mlops simulate` in a terminal
 * slows it to real time while an approval waits for a person, so a 72-hour approval window
 * is not run down in minutes. Time stays continuous across a change (re-anchored at the
 * current virtual instant), timers set through the clock are re-armed at the new rate, and
 * the function workers read the same anchor from shared memory (emulator/runtime/worker.cjs).
 *
 * Time can also jump forward (`jumpTo`, used by the time warp in emulator/warp.ts when the
 * world is idle): never backwards, never past a pending timer, so nothing is skipped.
 */
export type ClockTimer = { cancel(): void };

export type TimerOptions = {
  /**
   * A deadline that someone outside the emulator may beat (a task token's timeout: a person
   * or a client answers it): the clock never jumps to or past it (see `nextTimer`).
   */
  barrier?: boolean;
};

type Pending = {
  due: number;
  fire: () => void;
  barrier: boolean;
  handle?: ReturnType<typeof setTimeout>;
};

/** Layout of the shared anchor: [seq (Int32, odd while written)] then [virtual, real, factor]. */
const SEQ = 0;
const VIRTUAL = 0;
const REAL = 1;
const FACTOR = 2;

/** Reads the anchor consistently (a seqlock: retried while a write is under way). */
export const readAnchor = (seq: Int32Array, values: Float64Array) => {
  for (;;) {
    const before = Atomics.load(seq, SEQ);
    if (before % 2 === 1) continue;
    const anchor = { virtual: values[VIRTUAL]!, real: values[REAL]!, factor: values[FACTOR]! };
    if (Atomics.load(seq, SEQ) === before) return anchor;
  }
};

export class VirtualClock {
  readonly startedAt: number;
  private readonly shared = new SharedArrayBuffer(32);
  private readonly seq = new Int32Array(this.shared, 0, 1);
  private readonly values = new Float64Array(this.shared, 8, 3);
  private readonly timers = new Set<Pending>();
  private readonly listeners: (() => void)[] = [];

  constructor(factor: number, start = Date.now()) {
    this.startedAt = start;
    this.write(start, Date.now(), factor);
  }

  /** Virtual milliseconds per real one, now. */
  get factor(): number {
    return readAnchor(this.seq, this.values).factor;
  }

  /** Virtual epoch milliseconds. */
  now(): number {
    const { virtual, real, factor } = readAnchor(this.seq, this.values);
    return virtual + (Date.now() - real) * factor;
  }

  /** Real milliseconds that `virtualMs` take at the current rate. */
  realMs(virtualMs: number): number {
    return Math.max(0, virtualMs / this.factor);
  }

  /**
   * Runs at another rate from now on (1 = real time). Virtual time does not jump; timers
   * set through `timer`/`sleep` fire at their virtual due time under the new rate.
   */
  setFactor(factor: number): void {
    if (!(factor > 0)) throw new Error(`clock factor must be a positive number, not ${factor}`);
    this.write(this.now(), Date.now(), factor);
    for (const pending of this.timers) this.arm(pending);
  }

  /**
   * Moves virtual time forward to `virtual` at once (no-op when it is not ahead), keeping the
   * rate; pending timers are re-armed, so those due then fire now. Refuses to pass a pending
   * timer: jumping over one would skip its event.
   */
  jumpTo(virtual: number): void {
    if (virtual <= this.now()) return;
    const next = this.nextTimer();
    if (next && next.due < virtual)
      throw new Error(
        `the clock cannot jump to ${new Date(virtual).toISOString()}: a timer is due before, at ${new Date(next.due).toISOString()}`,
      );
    this.write(virtual, Date.now(), this.factor);
    for (const pending of this.timers) this.arm(pending);
  }

  /** The earliest pending timer (a barrier wins a tie), or undefined when none is set. */
  nextTimer(): { due: number; barrier: boolean } | undefined {
    let next: Pending | undefined;
    for (const p of this.timers)
      if (!next || p.due < next.due || (p.due === next.due && p.barrier)) next = p;
    return next && { due: next.due, barrier: next.barrier };
  }

  /** Calls `listener` after a timer is set, fires or is cancelled (the warp watches this). */
  onTimersChanged(listener: () => void): void {
    this.listeners.push(listener);
  }

  /** Calls `fire` once `virtualMs` of virtual time have passed, whatever the rate meanwhile. */
  timer(virtualMs: number, fire: () => void, options: TimerOptions = {}): ClockTimer {
    const pending: Pending = {
      due: this.now() + Math.max(0, virtualMs),
      fire,
      barrier: options.barrier ?? false,
    };
    this.timers.add(pending);
    this.arm(pending);
    this.changed();
    return {
      cancel: () => {
        clearTimeout(pending.handle);
        if (this.timers.delete(pending)) this.changed();
      },
    };
  }

  /** Sleeps `virtualMs` of virtual time. */
  sleep(virtualMs: number): Promise<void> {
    return new Promise((resolve) => {
      this.timer(virtualMs, resolve);
    });
  }

  /** What a worker needs to run the same clock: the shared anchor (see worker.cjs). */
  describe() {
    return { shared: this.shared };
  }

  private arm(pending: Pending) {
    clearTimeout(pending.handle);
    pending.handle = setTimeout(
      () => {
        this.timers.delete(pending);
        pending.fire();
        this.changed();
      },
      this.realMs(pending.due - this.now()),
    );
    // A pending timer alone does not keep the process alive (as before: the world is idle).
    pending.handle.unref?.();
  }

  private changed() {
    for (const listener of this.listeners) listener();
  }

  private write(virtual: number, real: number, factor: number) {
    Atomics.add(this.seq, SEQ, 1);
    this.values[VIRTUAL] = virtual;
    this.values[REAL] = real;
    this.values[FACTOR] = factor;
    Atomics.add(this.seq, SEQ, 1);
  }
}
