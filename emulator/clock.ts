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
 */
export type ClockTimer = { cancel(): void };

type Pending = { due: number; fire: () => void; handle?: ReturnType<typeof setTimeout> };

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

  /** Calls `fire` once `virtualMs` of virtual time have passed, whatever the rate meanwhile. */
  timer(virtualMs: number, fire: () => void): ClockTimer {
    const pending: Pending = { due: this.now() + Math.max(0, virtualMs), fire };
    this.timers.add(pending);
    this.arm(pending);
    return {
      cancel: () => {
        clearTimeout(pending.handle);
        this.timers.delete(pending);
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
      },
      this.realMs(pending.due - this.now()),
    );
    // A pending timer alone does not keep the process alive (as before: the world is idle).
    pending.handle.unref?.();
  }

  private write(virtual: number, real: number, factor: number) {
    Atomics.add(this.seq, SEQ, 1);
    this.values[VIRTUAL] = virtual;
    this.values[REAL] = real;
    this.values[FACTOR] = factor;
    Atomics.add(this.seq, SEQ, 1);
  }
}
