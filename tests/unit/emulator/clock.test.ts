import { VirtualClock } from '../../../emulator/clock';

/** The virtual clock's rate can change mid-run without time jumping or timers firing early. */
describe('VirtualClock', () => {
  afterEach(() => jest.useRealTimers());

  it('keeps virtual time continuous across a rate change and runs at the new rate', () => {
    jest.useFakeTimers({ now: 1_000_000 });
    const clock = new VirtualClock(1000, 5_000_000);
    jest.advanceTimersByTime(10);
    expect(clock.now()).toBe(5_010_000);
    clock.setFactor(1);
    expect(clock.now()).toBe(5_010_000);
    jest.advanceTimersByTime(10);
    expect(clock.now()).toBe(5_010_010);
    expect(clock.factor).toBe(1);
  });

  it('re-arms a pending timer at the new rate: slowed, it fires at its virtual due time', () => {
    jest.useFakeTimers({ now: 0 });
    const clock = new VirtualClock(1000, 0);
    const fired = jest.fn();
    clock.timer(60_000, fired); // a virtual minute: 60 real ms at 1000×
    jest.advanceTimersByTime(30); // half of it gone
    clock.setFactor(1);
    jest.advanceTimersByTime(29_000);
    expect(fired).not.toHaveBeenCalled();
    jest.advanceTimersByTime(1_000);
    expect(fired).toHaveBeenCalledTimes(1);
  });

  it('a cancelled timer never fires, even after a rate change', () => {
    jest.useFakeTimers({ now: 0 });
    const clock = new VirtualClock(10, 0);
    const fired = jest.fn();
    clock.timer(100, fired).cancel();
    clock.setFactor(1000);
    jest.advanceTimersByTime(1_000);
    expect(fired).not.toHaveBeenCalled();
  });

  it('refuses a rate that is not a positive number', () => {
    const clock = new VirtualClock(10);
    expect(() => clock.setFactor(0)).toThrow('clock factor must be a positive number, not 0');
  });
});
