import {
  adaptiveWaitSeconds,
  COMPILATION_POLL,
  continuePolling,
  DEPLOYMENT_POLL,
  estimateSecondsLeft,
  MAX_POLLS_PER_LOOP,
  PACKAGING_POLL,
  type PollPolicy,
  type Progress,
  type RolloutRate,
  rolloutSeconds,
  startPolling,
  TWIN_POLL,
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

describe('jobs that report no progress (compilations, packaging, the twin)', () => {
  /** Polls until a job of `seconds` is seen finished: how many, and how late. */
  const pollsFor = (seconds: number, policy: PollPolicy) => {
    const start = new Date('2026-11-25T10:00:00Z');
    let poll = startPolling(start, 7 * 24 * 3600, policy);
    let t = 0;
    let polls = 0;
    for (;;) {
      t += poll.waitSeconds;
      polls += 1;
      if (t >= seconds) return { polls, lateSeconds: t - seconds };
      poll = continuePolling(poll, new Date(start.getTime() + t * 1000), policy, 'the job');
    }
  };

  it.each([
    ['a Neo compilation', COMPILATION_POLL],
    ['an Edge packaging job', PACKAGING_POLL],
    ['the twin deployment', TWIN_POLL],
  ])('%s: polls grow with the log of its duration', (_what, policy) => {
    // Act: jobs of 4, 16 and 60 minutes
    const [short, mid, long] = [240, 960, 3600].map((s) => pollsFor(s, policy));
    // Assess: each fourfold longer job costs two polls more, and is seen within its own length
    expect(mid!.polls - short!.polls).toBeLessThanOrEqual(2);
    expect(long!.polls - mid!.polls).toBeLessThanOrEqual(2);
    expect(long!.polls).toBeLessThanOrEqual(Math.ceil(Math.log2(3600 / policy.initialSeconds)) + 1);
    expect(long!.lateSeconds).toBeLessThanOrEqual(3600);
  });
});

describe('adaptive waits (progress in, wait out)', () => {
  const T0 = '2026-11-26T10:00:00.000Z';
  const at = (seconds: number) => new Date(Date.parse(T0) + seconds * 1000);
  const BY_100 = { maximumPerMinute: 100 };
  const progress = (p: Partial<Progress>): Progress => ({
    startedAt: T0,
    done: 0,
    succeeded: 0,
    inProgress: 0,
    queued: 0,
    total: 0,
    ...p,
    ...(p.succeeded === undefined ? { succeeded: p.done ?? 0 } : {}),
  });

  it.each([
    // progress, elapsed s → wait s: a fraction (0.85) of the time left, within [15, 21600]
    [
      'rollout: 20,000 queued at 100 a minute, no device finished yet',
      progress({ total: 20_000, queued: 19_975, inProgress: 25 }),
      15,
      10_187, // 0.85 × 199.75 minutes
    ],
    [
      'rollout and devices applying: 1,000 queued, 100 in progress, 8,900 done in 90 minutes',
      progress({ total: 10_000, queued: 1000, inProgress: 100, done: 8900 }),
      5400,
      562, // 0.85 × (10 minutes to notify + 100 × 5400 / 8900 s applying)
    ],
    [
      'nearly done: 3 devices applying after 10,000 in 100 minutes',
      progress({ total: 10_003, inProgress: 3, done: 10_000 }),
      6000,
      15, // the floor
    ],
    [
      '100,000 devices at 100 a minute, just started',
      progress({ total: 100_000, queued: 99_990, inProgress: 10 }),
      15,
      21_600, // the ceiling
    ],
    [
      'a job without a rollout: 50 of 100 done in 10 minutes',
      progress({ total: 100, done: 50, inProgress: 50 }),
      600,
      510, // 0.85 × 10 minutes
    ],
  ])('%s', (_what, p, elapsed, wait) => {
    // Act
    const seconds = adaptiveWaitSeconds(
      { ...p, ...(p.total === 100 ? {} : { rollout: BY_100 }) },
      at(elapsed),
      15,
      21_600,
    );
    // Assess
    expect(seconds).toBe(wait);
  });

  it('takes the rollout rate from an exponential rollout, at the rate its criteria reached', () => {
    // Prepare: 20 a minute, twice as fast every 50 succeeded devices, at most 500 a minute
    const rollout = {
      maximumPerMinute: 500,
      exponentialRate: {
        baseRatePerMinute: 20,
        incrementFactor: 2,
        rateIncreaseCriteria: { numberOfSucceededThings: 50 },
      },
    };
    // Act: 100 devices from the start; 100 more after 100 succeeded (at 80 a minute)
    const fromStart = rolloutSeconds(rollout, 100, 0);
    const later = rolloutSeconds(rollout, 100, 100);
    const atMax = rolloutSeconds(rollout, 1000, 300);
    // Assess: 50 at 20 and 50 at 40 a minute; 50 at 80 and 50 at 160; 1,000 at 500
    expect(fromStart).toBeCloseTo(150 + 75);
    expect(later).toBeCloseTo(37.5 + 18.75);
    expect(atMax).toBeCloseTo(120);
  });

  it('counts notified devices towards the rate increase when the criteria say so, and a factor of 1 keeps the base rate', () => {
    // Prepare
    const byNotified = {
      maximumPerMinute: 100,
      exponentialRate: {
        baseRatePerMinute: 10,
        incrementFactor: 2,
        rateIncreaseCriteria: { numberOfNotifiedThings: 10 },
      },
    };
    const flat = {
      ...byNotified,
      exponentialRate: { ...byNotified.exponentialRate, incrementFactor: 1 },
    };
    // Act: 1,000 queued of 1,020; 20 notified (in progress), none finished
    const p = progress({ total: 1020, queued: 1000, inProgress: 20 });
    const rising = estimateSecondsLeft({ ...p, rollout: byNotified }, at(120));
    const steady = estimateSecondsLeft({ ...p, rollout: flat }, at(120));
    // Assess: 10 at 40, 10 at 80, then 980 at 100 a minute; 1,000 at 10 a minute
    expect(rising).toBeCloseTo(15 + 7.5 + 588);
    expect(steady).toBeCloseTo(6000);
  });

  it('counts devices in progress for no longer than the wave has run, while few have finished', () => {
    // Prepare: 21 s into an exponential wave of 100,000 (up to 500 a minute: 200 minutes at
    // least); one device finished, 175 applying. Their pace (21 s each) says 61 minutes more.
    const rollout = {
      maximumPerMinute: 500,
      exponentialRate: {
        baseRatePerMinute: 20,
        incrementFactor: 2,
        rateIncreaseCriteria: { numberOfSucceededThings: 10 },
      },
    };
    const p = progress({ total: 100_000, done: 1, inProgress: 175, queued: 99_824, rollout });
    // Act
    const seconds = adaptiveWaitSeconds(p, at(21), 15, 21_600)!;
    // Assess: the wait ends before the least the rollout still needs (199.6 minutes)
    expect(seconds).toBeLessThan(rolloutSeconds(rollout, 99_824, 1));
    expect(seconds).toBeGreaterThan(0.8 * rolloutSeconds(rollout, 99_824, 1));
  });

  it('has no estimate before anything finished, unless devices wait for the rollout', () => {
    expect(
      adaptiveWaitSeconds(progress({ total: 10, inProgress: 10 }), at(30), 15, 1800),
    ).toBeUndefined();
    expect(
      adaptiveWaitSeconds(
        progress({ total: 10, inProgress: 10, rollout: BY_100 }),
        at(30),
        15,
        1800,
      ),
    ).toBeUndefined();
    expect(
      adaptiveWaitSeconds(
        progress({ total: 1000, queued: 990, inProgress: 10, rollout: BY_100 }),
        at(6),
        15,
        1800,
      ),
    ).toBe(505); // 0.85 × 9.9 minutes
  });

  it.each([
    ['progress going backwards (fewer done than before)', { done: 10, inProgress: 90 }],
    ['devices added to the group (more queued than the rollout reached)', { queued: 5000 }],
    ['all failed but one', { done: 99, succeeded: 0, inProgress: 1 }],
    ['a huge fleet', { total: 10_000_000, queued: 9_999_000, done: 1000 }],
    ['every device canceled or removed', { done: 100, succeeded: 0 }],
  ])('stays within the floor and the ceiling: %s', (_what, p) => {
    // Act
    const seconds =
      adaptiveWaitSeconds(progress({ total: 100, rollout: BY_100, ...p }), at(3600), 15, 21_600) ??
      15;
    // Assess
    expect(Number.isInteger(seconds)).toBe(true);
    expect(seconds).toBeGreaterThanOrEqual(15);
    expect(seconds).toBeLessThanOrEqual(21_600);
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
      progress({ done: 1, total: 1000, queued: 999, rollout: BY_100 }),
      at(90),
    );
    // Assess
    expect(next.waitSeconds).toBe(30);
  });

  it('keeps the configured floor when progress gives no estimate yet', () => {
    // Prepare: a wave polled at least a minute apart
    const poll = startPolling(at(0), 3600, { ...DEPLOYMENT_POLL, initialSeconds: 60 });
    // Act: its devices are notified at once and none has finished
    const next = continuePolling(
      poll,
      at(60),
      DEPLOYMENT_POLL,
      'wave',
      progress({ total: 10, inProgress: 10, rollout: BY_100 }),
    );
    // Assess: twice the floor, not twice the deployment default of 15 s
    expect(next.waitSeconds).toBe(120);
  });

  type Wave = {
    devices: number;
    rollout: RolloutRate;
    /** How long a device takes from notification to a terminal status. */
    applySeconds: number;
    /** The last `offline` devices never start. */
    offline?: number;
    graceMinutes?: number;
  };

  /**
   * Polls a wave as Check Wave would, from the counters its devices give at each poll (IoT
   * notifying them at the rollout rate, each applying in `applySeconds`), until it settles:
   * how many polls, and how long after it settled the last one came.
   */
  const pollWave = ({ devices, rollout, applySeconds, offline = 0, graceMinutes = 30 }: Wave) => {
    const notifiedAt: number[] = [];
    for (let t = 0, count = 0; count < devices; count++) {
      const e = rollout.exponentialRate;
      const every = e?.rateIncreaseCriteria.numberOfSucceededThings ?? 1;
      const rate = e
        ? Math.min(
            rollout.maximumPerMinute,
            e.baseRatePerMinute * e.incrementFactor ** Math.floor(count / every),
          )
        : rollout.maximumPerMinute;
      t += 60 / rate;
      notifiedAt.push(t);
    }
    const online = notifiedAt.slice(0, devices - offline);
    const finishedAt = online.map((t) => t + applySeconds);
    const slowest = Math.min(
      rollout.maximumPerMinute,
      rollout.exponentialRate?.baseRatePerMinute ?? Infinity,
    );
    const graceEnd = (Math.ceil(devices / slowest) + graceMinutes) * 60;
    const settledAt = Math.max(finishedAt.at(-1) ?? 0, offline ? graceEnd : 0);
    const policy = { ...DEPLOYMENT_POLL, initialSeconds: 15, maxSeconds: 21_600 };
    let poll = startPolling(at(0), 7 * 24 * 3600, policy);
    let t = 0;
    let polls = 0;
    for (;;) {
      t += poll.waitSeconds;
      polls += 1;
      if (t >= settledAt) return { polls, lateSeconds: t - settledAt };
      const done = finishedAt.filter((f) => f <= t).length;
      const inProgress = online.filter((n) => n <= t).length - done;
      poll = continuePolling(
        poll,
        at(t),
        DEPLOYMENT_POLL,
        'wave',
        {
          startedAt: T0,
          done,
          succeeded: done,
          inProgress,
          queued: devices - done - inProgress,
          total: devices,
          rollout,
          graceEnd: at(graceEnd),
        },
        at(graceEnd),
      );
    }
  };

  it('makes the polls of a wave grow with the log of its duration, not with its size, and sees its end within the floor', () => {
    // Act: 100 devices a minute (the default rollout rate), a minute to apply
    const small = pollWave({ devices: 10, rollout: BY_100, applySeconds: 60 });
    const mid = pollWave({ devices: 20_000, rollout: BY_100, applySeconds: 60 }); // 200 minutes
    const large = pollWave({ devices: 100_000, rollout: BY_100, applySeconds: 60 }); // 17 hours
    // Assess: a fixed 2-minute interval would poll 100 and 500 times
    expect(small.polls).toBeLessThanOrEqual(4);
    expect(mid.polls).toBeLessThanOrEqual(small.polls + 4);
    expect(large.polls).toBeLessThanOrEqual(small.polls + 6);
    for (const wave of [small, mid, large]) expect(wave.lateSeconds).toBeLessThan(60);
    expect(mid.lateSeconds).toBeLessThanOrEqual(15);
    expect(large.lateSeconds).toBeLessThanOrEqual(15);
  });

  it('sees the end of an exponential rollout within the floor, though it starts slowly', () => {
    // Prepare: docs/fleet-rollout.md's main wave, 4,000 devices in some 13 minutes
    const rollout = {
      maximumPerMinute: 500,
      exponentialRate: {
        baseRatePerMinute: 20,
        incrementFactor: 2,
        rateIncreaseCriteria: { numberOfSucceededThings: 50 },
      },
    };
    // Act
    const wave = pollWave({ devices: 4000, rollout, applySeconds: 60 });
    // Assess
    expect(wave.lateSeconds).toBeLessThanOrEqual(30);
    expect(wave.polls).toBeLessThanOrEqual(6);
  });

  it('waits out the grace period of offline devices in a few polls, not at the floor', () => {
    // Act: one device of ten, and 3 of 100,000, never come online (grace: 30 minutes)
    const few = pollWave({ devices: 10, rollout: BY_100, applySeconds: 60, offline: 1 });
    const many = pollWave({ devices: 100_000, rollout: BY_100, applySeconds: 60, offline: 3 });
    // Assess: polled at the floor, the grace period alone would take 120 polls
    expect(few.polls).toBeLessThanOrEqual(8);
    expect(many.polls).toBeLessThanOrEqual(14);
    expect(few.lateSeconds).toBeLessThanOrEqual(15);
    expect(many.lateSeconds).toBeLessThanOrEqual(15);
  });
});
