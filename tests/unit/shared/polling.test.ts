import {
  adaptiveWaitSeconds,
  COMPILATION_POLL,
  continuePolling,
  DEPLOYMENT_POLL,
  MAX_POLLS_PER_LOOP,
  type PollPolicy,
  startPolling,
} from '../../../functions/shared/polling';

/** Polls a job that never finishes until the loop's deadline, as the state machine would. */
const pollsUntilDeadline = (timeoutSeconds: number, policy: PollPolicy) => {
  let at = new Date('2026-11-25T10:00:00Z');
  let poll = startPolling(at, timeoutSeconds, policy);
  let polls = 0;
  for (;;) {
    at = new Date(at.getTime() + poll.waitSeconds * 1000);
    polls += 1;
    try {
      poll = continuePolling(poll, at, policy, 'the job');
    } catch (error) {
      return { polls, error: error as Error };
    }
  }
};

describe('poll loops', () => {
  it('grow their interval from the first poll and stop at the deadline with WaitTimedOut', () => {
    // Act
    const { polls, error } = pollsUntilDeadline(30 * 60, DEPLOYMENT_POLL);
    // Assess: 15, 30, 60 s, then every 120 s (the last one cut to the deadline)
    expect(polls).toBe(18);
    expect(error).toMatchObject({
      name: 'WaitTimedOut',
      message: 'the job still not finished at its deadline 2026-11-25T10:30:00.000Z',
    });
  });

  it.each([
    ['a 7-day wave', 7 * 24 * 3600, DEPLOYMENT_POLL],
    ['a 28-day compilation', 28 * 24 * 3600, COMPILATION_POLL],
  ])(
    'never exceed their poll budget, so %s cannot exhaust the execution history',
    (_what, seconds, policy) => {
      // Act
      const { polls } = pollsUntilDeadline(seconds, policy);
      // Assess: the budget plus the few short polls of the geometric start
      expect(polls).toBeLessThanOrEqual(MAX_POLLS_PER_LOOP + 10);
      expect(polls).toBeGreaterThan(MAX_POLLS_PER_LOOP / 2);
    },
  );
});

describe('adaptive waits (progress in, wait out)', () => {
  const T0 = '2026-11-26T10:00:00.000Z';
  const at = (seconds: number) => new Date(Date.parse(T0) + seconds * 1000);

  it.each([
    // done, total, elapsed s → half the time the observed rate says is left
    [10, 110, 60, 300], // 100 left at 10/min: 10 min left, wait 5 min
    [50, 100, 600, 300], // halfway after 10 min: wait 5 min
    [99, 100, 990, 15], // nearly done: the floor
    [1, 100_000, 60, 1800], // far from done: the ceiling
  ])('done %d of %d after %d s: waits %d s', (done, total, elapsed, wait) => {
    // Act
    const seconds = adaptiveWaitSeconds({ done, total, startedAt: T0 }, at(elapsed), 15, 1800);
    // Assess
    expect(seconds).toBe(wait);
  });

  it('has no estimate before anything finished', () => {
    expect(adaptiveWaitSeconds({ done: 0, total: 10, startedAt: T0 }, at(30), 15, 1800)).toBe(
      undefined,
    );
  });

  it('never waits past the moment the caller must look (the grace period’s end) or the deadline', () => {
    // Prepare
    const poll = startPolling(at(0), 3600, { initialSeconds: 15, factor: 2, maxSeconds: 1800 });
    // Act
    const next = continuePolling(
      poll,
      at(60),
      DEPLOYMENT_POLL,
      'wave',
      { done: 1, total: 1000, startedAt: T0 },
      at(90),
    );
    // Assess
    expect(next.waitSeconds).toBe(30);
  });

  /** Polls until a rate-limited wave of `devices` finishes (each device applies in 60 s). */
  const pollsForWave = (devices: number, perMinute: number) => {
    const finishedBy = (t: number) =>
      Math.max(0, Math.min(devices, Math.floor(((t - 60) / 60) * perMinute) + 1));
    const policy = { initialSeconds: 15, factor: 2, maxSeconds: 1800 };
    let t = 0;
    let poll = startPolling(at(0), 7 * 24 * 3600, policy);
    let polls = 0;
    for (;;) {
      t += poll.waitSeconds;
      polls += 1;
      const done = finishedBy(t);
      if (done >= devices) return polls;
      poll = continuePolling(poll, at(t), policy, 'wave', {
        done,
        total: devices,
        startedAt: T0,
      });
    }
  };

  it('makes the polls of a wave grow with the log of its duration, not with its size', () => {
    // Act: 100 devices a minute (the default rollout rate)
    const small = pollsForWave(10, 100);
    const large = pollsForWave(20_000, 100); // 200 minutes
    // Assess: a fixed 2-minute interval would poll 100 times for the large wave
    expect(small).toBeLessThanOrEqual(6);
    expect(large).toBeLessThanOrEqual(small + 14);
  });
});
