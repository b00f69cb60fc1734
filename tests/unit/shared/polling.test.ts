import {
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
