import { WaitTimedOut } from './errors';

/**
 * Poll loops in the state machine: `Wait (SecondsPath: $.…poll.waitSeconds) → Check → Choice`.
 * The interval grows geometrically up to a cap, so a long job costs O(log) polls at first
 * and at most one poll per cap afterwards; the deadline makes every wait finite, and the cap
 * grows with the deadline so that no loop makes more than MAX_POLLS_PER_LOOP polls.
 */
export type PollState = {
  /** Polls made so far. */
  attempt: number;
  /** What the next Wait state sleeps. */
  waitSeconds: number;
  /** ISO time after which the loop fails with WaitTimedOut. */
  deadline: string;
  /** The longest wait of this loop: the policy's cap, raised for long loops (see below). */
  maxWaitSeconds?: number;
  /** The shortest wait once the job reports progress (a nearly finished job is seen promptly). */
  minWaitSeconds?: number;
};

/**
 * How fast IoT notifies a wave's devices (the deployment's `jobExecutionsRolloutConfig`):
 * at most `maximumPerMinute`; with `exponentialRate`, at `baseRatePerMinute` first and
 * `incrementFactor` times faster each time another `rateIncreaseCriteria` devices were
 * notified (or succeeded), never past the maximum (Greengrass API reference,
 * IoTJobExecutionsRolloutConfig and IoTJobExponentialRolloutRate).
 */
export type RolloutRate = {
  maximumPerMinute: number;
  exponentialRate?: {
    baseRatePerMinute: number;
    incrementFactor: number;
    rateIncreaseCriteria: { numberOfNotifiedThings?: number; numberOfSucceededThings?: number };
  };
};

/**
 * How far a job with countable units (a deployment's devices) has got, from its aggregate
 * counters: `done` in any terminal status, `succeeded` of those, `inProgress`, `queued`
 * (not yet notified, or notified but not started: an offline device stays QUEUED), of
 * `total`, since `startedAt`. A wave adds its `rollout` rate and `graceEnd`, the moment
 * devices still QUEUED stop holding it back (check-deployment.ts, graceEndOf).
 */
export type Progress = {
  startedAt: string;
  done: number;
  succeeded: number;
  inProgress: number;
  queued: number;
  total: number;
  rollout?: RolloutRate;
  graceEnd?: Date;
};

/** The share of the estimated time left that the next wait sleeps. */
export const ADAPTIVE_FRACTION = 0.85;

/**
 * Seconds the rollout needs, at the fastest it may go, to notify `devices` more devices once
 * `count` devices count towards its rate increases: a lower bound, since IoT notifies no
 * faster than its rate.
 */
export const rolloutSeconds = (rollout: RolloutRate, devices: number, count: number): number => {
  const max = rollout.maximumPerMinute;
  const exp = rollout.exponentialRate;
  const every =
    exp?.rateIncreaseCriteria.numberOfNotifiedThings ??
    exp?.rateIncreaseCriteria.numberOfSucceededThings;
  if (!exp || !every || exp.incrementFactor <= 1)
    return (devices * 60) / Math.min(max, exp?.baseRatePerMinute ?? max);
  let seconds = 0;
  let left = devices;
  let at = count;
  // At most log(max / base) / log(incrementFactor) steps (≤ 73: factor ≥ 1.1, rates ≤ 1000).
  while (left > 0) {
    const rate = Math.min(
      max,
      exp.baseRatePerMinute * exp.incrementFactor ** Math.floor(at / every),
    );
    if (rate >= max) return seconds + (left * 60) / max;
    const step = Math.min(left, every - (at % every));
    seconds += (step * 60) / rate;
    left -= step;
    at += step;
  }
  return seconds;
};

/**
 * The time a job still needs, in seconds, from its own progress; undefined when its progress
 * gives no estimate yet. A wave (with `rollout`): the longer of
 * - the rollout: its queued devices notified at its rate (the fastest it may go, so waiting a
 *   fraction of it never passes the moment the last device is notified), and never past the
 *   moment the slowest rate has reached every device; plus the devices in progress, at the
 *   pace devices have finished so far (no longer than the job has run: one in progress
 *   started since, and likely needs about as long as it has run);
 * - once the rollout has reached every device, devices still queued are offline: the wave
 *   settles when they come back or at the end of its grace period, whichever comes first.
 * Any other job: the units left at the pace of those done.
 */
export const estimateSecondsLeft = (progress: Progress, now: Date): number | undefined => {
  const elapsed = (now.getTime() - Date.parse(progress.startedAt)) / 1000;
  if (!(elapsed > 0) || progress.total <= 0) return undefined;
  const pace = progress.done > 0 ? elapsed / progress.done : undefined;
  const { rollout } = progress;
  if (!rollout) return pace === undefined ? undefined : (progress.total - progress.done) * pace;
  const counted = rollout.exponentialRate?.rateIncreaseCriteria.numberOfSucceededThings
    ? progress.succeeded
    : progress.total - progress.queued;
  const slowest = Math.min(
    rollout.maximumPerMinute,
    rollout.exponentialRate?.baseRatePerMinute ?? rollout.maximumPerMinute,
  );
  const notifying = Math.max(
    0,
    Math.min(
      rolloutSeconds(rollout, progress.queued, counted),
      (progress.total * 60) / slowest - elapsed,
    ),
  );
  // About how long one device takes (in progress × pace, Little's law); while few have
  // finished that pace says little, and a device in progress started at most `elapsed` ago.
  const applying =
    progress.inProgress > 0 && pace !== undefined
      ? Math.min(progress.inProgress * pace, elapsed)
      : 0;
  const offline =
    notifying === 0 && progress.queued > 0 && progress.graceEnd
      ? Math.max(0, (progress.graceEnd.getTime() - now.getTime()) / 1000)
      : 0;
  const left = Math.max(notifying + applying, offline);
  // Nothing finished, nothing left to notify: no pace to go by yet.
  return left === 0 && pace === undefined ? undefined : left;
};

/**
 * The next wait from a job's own progress: a fraction of the time it still needs
 * (estimateSecondsLeft), within [floor, ceiling]. The estimate shrinks by that fraction with
 * each poll, so a job of duration T costs about log(T / floor) polls whatever its size, and a
 * nearly finished one is polled at the floor. Undefined while its progress gives no estimate.
 */
export const adaptiveWaitSeconds = (
  progress: Progress,
  now: Date,
  floorSeconds: number,
  ceilingSeconds: number,
): number | undefined => {
  const left = estimateSecondsLeft(progress, now);
  if (left === undefined) return undefined;
  return Math.round(Math.max(floorSeconds, Math.min(ceilingSeconds, ADAPTIVE_FRACTION * left)));
};

export type PollPolicy = {
  initialSeconds: number;
  factor: number;
  maxSeconds: number;
};

// No progress to go by (Neo and Edge packaging jobs report none; the twin is often one device):
// the wait doubles from the floor (a job that has run for t likely needs about t more), so polls
// grow with the log of the duration up to the ceiling.
export const COMPILATION_POLL: PollPolicy = { initialSeconds: 30, factor: 2, maxSeconds: 1800 };
export const PACKAGING_POLL: PollPolicy = { initialSeconds: 30, factor: 2, maxSeconds: 1800 };
/** The twin's deployment: one device or a few, seen within 15 s at first, up to 30 minutes apart. */
export const TWIN_POLL: PollPolicy = { initialSeconds: 15, factor: 2, maxSeconds: 1800 };
/** Production waves (start-wave.ts: floor and ceiling from the wave's config) and rollbacks. */
export const DEPLOYMENT_POLL: PollPolicy = { initialSeconds: 15, factor: 2, maxSeconds: 120 };

/**
 * Polls one loop may make at most. An execution's history holds 25,000 events (Step Functions
 * quotas) and a poll costs about nine (Wait, Task and Choice entered and exited, the Lambda's
 * scheduled/started/succeeded), so a 7-day wave polled every 2 minutes (5,040 polls) would
 * exhaust it. Capping each loop at 200 polls keeps a release with a dozen loops well inside.
 */
export const MAX_POLLS_PER_LOOP = 200;

/** The first Wait of a loop that may last at most `timeoutSeconds`. */
export const startPolling = (now: Date, timeoutSeconds: number, policy: PollPolicy): PollState => ({
  attempt: 0,
  waitSeconds: policy.initialSeconds,
  deadline: new Date(now.getTime() + timeoutSeconds * 1000).toISOString(),
  maxWaitSeconds: Math.max(policy.maxSeconds, Math.ceil(timeoutSeconds / MAX_POLLS_PER_LOOP)),
  minWaitSeconds: policy.initialSeconds,
});

/**
 * The next Wait after a poll that found the job still running: from the job's progress when
 * it reports some (adaptiveWaitSeconds), otherwise growing geometrically; never past
 * `notAfter` (a moment the caller must look at, e.g. the end of a grace period) nor the
 * deadline. Throws `WaitTimedOut` (naming `what`) once the deadline has passed.
 */
export const continuePolling = (
  state: PollState,
  now: Date,
  policy: PollPolicy,
  what: string,
  progress?: Progress,
  notAfter?: Date,
): PollState => {
  if (now.getTime() >= Date.parse(state.deadline)) {
    throw new WaitTimedOut(`${what} still not finished at its deadline ${state.deadline}`);
  }
  const attempt = state.attempt + 1;
  const cap = state.maxWaitSeconds ?? policy.maxSeconds;
  const floor = state.minWaitSeconds ?? policy.initialSeconds;
  const wait =
    (progress && adaptiveWaitSeconds(progress, now, floor, cap)) ??
    Math.max(floor, Math.min(cap, floor * policy.factor ** attempt));
  const remaining = Math.ceil((Date.parse(state.deadline) - now.getTime()) / 1000);
  const untilLook =
    notAfter && notAfter > now ? Math.ceil((notAfter.getTime() - now.getTime()) / 1000) : Infinity;
  return {
    ...state,
    attempt,
    waitSeconds: Math.max(1, Math.min(wait, remaining, untilLook)),
  };
};
