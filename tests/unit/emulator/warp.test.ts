import { VirtualClock } from '../../../emulator/clock';
import { holdFor, TimeWarp } from '../../../emulator/warp';

/**
 * The time warp jumps the virtual clock to the next timer once the emulator has been idle for
 * the settle period — never while something runs, never past a pending timer, never to a
 * deadline someone outside the emulator may beat, and never while it is off (a person decides).
 */
const START = 1_000_000;
const SETTLE = 15;
const MINUTE = 60_000;
/** Settle period, then the check's setImmediate and the re-armed timer (1 fake ms each). */
const JUMP = SETTLE + 2;

const world = (enabled = true) => {
  jest.useFakeTimers({ now: 0 });
  // 1 virtual ms per real one: without a jump, a virtual minute takes a real minute.
  const clock = new VirtualClock(1, START);
  const warp = new TimeWarp(clock, { enabled, settleMs: SETTLE });
  return { clock, warp };
};

describe('TimeWarp', () => {
  afterEach(() => jest.useRealTimers());

  it('jumps to the next timer after the settle period and fires it at its due time', () => {
    const { clock, warp } = world();
    const first = jest.fn(() => clock.now());
    const second = jest.fn();
    clock.timer(MINUTE, first);
    clock.timer(2 * MINUTE, second);
    jest.advanceTimersByTime(SETTLE - 1);
    expect(first).not.toHaveBeenCalled();
    jest.advanceTimersByTime(JUMP - SETTLE + 1);
    expect(first).toHaveBeenCalledTimes(1);
    // At its due time, plus the one real (= virtual) ms the re-armed timer took.
    expect(first.mock.results[0]!.value).toBe(START + MINUTE + 1);
    expect(warp.stats.skippedMs).toBe(MINUTE - (SETTLE + 1));
    expect(second).not.toHaveBeenCalled();
    jest.advanceTimersByTime(JUMP);
    expect(second).toHaveBeenCalledTimes(1);
    expect(warp.stats.jumps).toBe(2);
  });

  it('does not jump while something holds it (an invocation, a request)', () => {
    const { clock, warp } = world();
    const fired = jest.fn();
    clock.timer(MINUTE, fired);
    const release = warp.hold();
    jest.advanceTimersByTime(10 * SETTLE);
    expect(fired).not.toHaveBeenCalled();
    expect(clock.now()).toBe(START + 10 * SETTLE);
    release();
    release(); // idempotent: a second release does not free someone else's hold
    jest.advanceTimersByTime(JUMP);
    expect(fired).toHaveBeenCalledTimes(1);
  });

  it('restarts the settle period after each activity: a short lull is not quiescence', () => {
    const { clock, warp } = world();
    const fired = jest.fn();
    clock.timer(MINUTE, fired);
    jest.advanceTimersByTime(SETTLE - 5);
    warp.hold()(); // something happened and ended
    jest.advanceTimersByTime(SETTLE - 1);
    expect(fired).not.toHaveBeenCalled();
    jest.advanceTimersByTime(JUMP - SETTLE + 1);
    expect(fired).toHaveBeenCalledTimes(1);
  });

  it('holds for a pause on a real timer (the interpreter waiting to retry)', () => {
    const { clock, warp } = world();
    const fired = jest.fn();
    clock.timer(MINUTE, fired);
    holdFor(warp, 50);
    jest.advanceTimersByTime(50 + SETTLE - 1);
    expect(fired).not.toHaveBeenCalled();
    jest.advanceTimersByTime(JUMP - SETTLE + 1);
    expect(fired).toHaveBeenCalledTimes(1);
  });

  it('tracks a promise until it settles', async () => {
    const { clock, warp } = world();
    const fired = jest.fn();
    clock.timer(MINUTE, fired);
    let finish!: () => void;
    const work = warp.track(new Promise<void>((resolve) => (finish = resolve)));
    jest.advanceTimersByTime(5 * SETTLE);
    expect(fired).not.toHaveBeenCalled();
    finish();
    await work;
    jest.advanceTimersByTime(JUMP);
    expect(fired).toHaveBeenCalledTimes(1);
  });

  it('never jumps to a barrier (a task token deadline an approver may beat)', () => {
    const { clock } = world();
    const timedOut = jest.fn();
    clock.timer(72 * 60 * MINUTE, timedOut, { barrier: true });
    jest.advanceTimersByTime(100 * SETTLE);
    expect(timedOut).not.toHaveBeenCalled();
    expect(clock.now()).toBe(START + 100 * SETTLE);
  });

  it('jumps to timers before a barrier, but not past it, and a tie goes to the barrier', () => {
    const { clock, warp } = world();
    const early = jest.fn();
    const tie = jest.fn();
    const deadline = jest.fn();
    clock.timer(MINUTE, early);
    clock.timer(10 * MINUTE, deadline, { barrier: true });
    clock.timer(10 * MINUTE, tie);
    jest.advanceTimersByTime(JUMP);
    expect(early).toHaveBeenCalledTimes(1);
    jest.advanceTimersByTime(100 * SETTLE);
    expect(tie).not.toHaveBeenCalled();
    expect(deadline).not.toHaveBeenCalled();
    expect(warp.stats.jumps).toBe(1);
    expect(clock.now()).toBeLessThan(START + 10 * MINUTE);
  });

  it('never jumps while off (a person deciding in real time), and again once back on', () => {
    const { clock, warp } = world(false);
    const fired = jest.fn();
    clock.timer(MINUTE, fired);
    jest.advanceTimersByTime(100 * SETTLE);
    expect(fired).not.toHaveBeenCalled();
    warp.setEnabled(true);
    warp.setEnabled(false);
    jest.advanceTimersByTime(100 * SETTLE);
    expect(fired).not.toHaveBeenCalled();
    warp.setEnabled(true);
    jest.advanceTimersByTime(JUMP);
    expect(fired).toHaveBeenCalledTimes(1);
  });

  it('does nothing when no timer is pending (an idle world stays where it is)', () => {
    const { clock, warp } = world();
    jest.advanceTimersByTime(100 * SETTLE);
    expect(clock.now()).toBe(START + 100 * SETTLE);
    expect(warp.stats.jumps).toBe(0);
  });

  it('keeps timers set after a jump on the jumped clock', () => {
    const { clock } = world();
    const later = jest.fn(() => clock.now());
    clock.timer(MINUTE, () => clock.timer(MINUTE, later));
    jest.advanceTimersByTime(2 * JUMP);
    expect(later).toHaveBeenCalledTimes(1);
    // Two jumps, each to its timer's due time, plus the one real ms each re-armed timer took.
    expect(later.mock.results[0]!.value).toBe(START + 2 * MINUTE + 2);
  });
});

describe('VirtualClock.jumpTo', () => {
  afterEach(() => jest.useRealTimers());

  it('moves only forward and never past a pending timer', () => {
    jest.useFakeTimers({ now: 0 });
    const clock = new VirtualClock(1, START);
    clock.jumpTo(START - MINUTE);
    expect(clock.now()).toBe(START);
    clock.timer(MINUTE, () => undefined);
    expect(() => clock.jumpTo(START + 2 * MINUTE)).toThrow(/a timer is due before/);
    clock.jumpTo(START + MINUTE);
    expect(clock.now()).toBe(START + MINUTE);
  });
});
