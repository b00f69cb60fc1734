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
 * How far a job with countable units (a deployment's devices) has got: finished units (any
 * terminal status) of all units, since `startedAt`.
 */
export type Progress = { done: number; total: number; startedAt: string };

/** The share of the estimated time left that the next wait sleeps. */
export const ADAPTIVE_FRACTION = 0.5;

/**
 * The next wait from a job's own progress: finished units so far give its rate, the rate
 * the time still needed, and the wait is a fraction of that, within [floor, ceiling]. The
 * estimate halves with each poll, so a job of duration T costs about log2(T / floor) polls
 * whatever its size, and a nearly finished one is polled at the floor. Undefined while
 * nothing has finished yet (no rate to go by).
 */
export const adaptiveWaitSeconds = (
  progress: Progress,
  now: Date,
  floorSeconds: number,
  ceilingSeconds: number,
): number | undefined => {
  const elapsed = (now.getTime() - Date.parse(progress.startedAt)) / 1000;
  if (!(elapsed > 0) || progress.done <= 0 || progress.total <= progress.done) return undefined;
  const left = ((progress.total - progress.done) * elapsed) / progress.done;
  return Math.round(Math.max(floorSeconds, Math.min(ceilingSeconds, ADAPTIVE_FRACTION * left)));
};

export type PollPolicy = {
  initialSeconds: number;
  factor: number;
  maxSeconds: number;
};

// No progress to go by: the wait doubles (a job that has run for t likely needs about t more),
// so polls grow with the log of the duration up to the cap.
export const COMPILATION_POLL: PollPolicy = { initialSeconds: 30, factor: 2, maxSeconds: 1800 };
export const PACKAGING_POLL: PollPolicy = { initialSeconds: 30, factor: 2, maxSeconds: 1800 };
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
    Math.min(cap, policy.initialSeconds * policy.factor ** attempt);
  const remaining = Math.ceil((Date.parse(state.deadline) - now.getTime()) / 1000);
  const untilLook =
    notAfter && notAfter > now ? Math.ceil((notAfter.getTime() - now.getTime()) / 1000) : Infinity;
  return {
    ...state,
    attempt,
    waitSeconds: Math.max(1, Math.min(wait, remaining, untilLook)),
  };
};
