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
};

export type PollPolicy = {
  initialSeconds: number;
  factor: number;
  maxSeconds: number;
};

export const COMPILATION_POLL: PollPolicy = { initialSeconds: 30, factor: 2, maxSeconds: 300 };
export const PACKAGING_POLL: PollPolicy = { initialSeconds: 30, factor: 2, maxSeconds: 300 };
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
});

/**
 * The next Wait after a poll that found the job still running; throws `WaitTimedOut`
 * (naming `what`) once the deadline has passed.
 */
export const continuePolling = (
  state: PollState,
  now: Date,
  policy: PollPolicy,
  what: string,
): PollState => {
  if (now.getTime() >= Date.parse(state.deadline)) {
    throw new WaitTimedOut(`${what} still not finished at its deadline ${state.deadline}`);
  }
  const attempt = state.attempt + 1;
  const grown = policy.initialSeconds * policy.factor ** attempt;
  const remaining = Math.ceil((Date.parse(state.deadline) - now.getTime()) / 1000);
  const cap = state.maxWaitSeconds ?? policy.maxSeconds;
  return {
    ...state,
    attempt,
    waitSeconds: Math.max(1, Math.min(cap, grown, remaining)),
  };
};
