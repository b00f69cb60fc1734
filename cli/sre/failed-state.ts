import type { HistoryEvent } from '@aws-sdk/client-sfn';

/**
 * The states an execution runs after an error was caught: they record the failure and roll
 * back, so none of them is "the state that failed".
 */
const FAILURE_PATH = new Set([
  'Release Twin After Failure',
  'Roll Back Fleets',
  'Wait For Rollback',
  'Check Rollback',
  'Rollback Settled?',
  'Rollout Failed',
  'Record Failure',
  'Failure Kind?',
  'Pipeline Failed',
]);

/** Whether a state records a failure or rolls back (it never is where the failure arose). */
export const onFailurePath = (name: string | undefined) => FAILURE_PATH.has(name ?? '');

const entered = (e: HistoryEvent) =>
  e.type?.endsWith('StateEntered') ? e.stateEnteredEventDetails?.name : undefined;

/**
 * The state an unsuccessful execution failed in, as a person means it, its input, and the
 * index of its entry in `events`: where the error arose. For a caught error, that is a Fail
 * state of ours entered before the failure path began (an aborted wave's `Wave Aborted`
 * inside the rollout Map: the Map may already have entered the next iteration's first state,
 * which failed nothing), else the last state entered before the failure path; for an error
 * left uncaught at its task, the last state entered and never exited.
 * `executions list` and `explain` both name it, so they always agree.
 */
export const failedStateOf = (
  events: HistoryEvent[],
): { name?: string; input?: string; at?: number } => {
  const caughtAt = events.findIndex((e) => FAILURE_PATH.has(entered(e) ?? ''));
  if (caughtAt > 0) {
    const before = events.slice(0, caughtAt);
    const failAt = before.findLastIndex((e) => e.type === 'FailStateEntered');
    const lastAt = before.findLastIndex((e) => entered(e) !== undefined);
    const at = failAt >= 0 ? failAt : lastAt;
    if (at >= 0)
      return {
        name: entered(events[at]!),
        input: events[at]!.stateEnteredEventDetails?.input,
        at,
      };
  }
  const open = new Map<string, { input?: string; at: number }>();
  let last: { name?: string; input?: string; at?: number } = {};
  events.forEach((e, at) => {
    const name = entered(e);
    if (name) {
      open.set(name, { input: e.stateEnteredEventDetails?.input, at });
      last = { name, input: e.stateEnteredEventDetails?.input, at };
    }
    if (e.type?.endsWith('StateExited') && e.stateExitedEventDetails?.name)
      open.delete(e.stateExitedEventDetails.name);
  });
  const name = [...open.keys()].at(-1) ?? last.name;
  if (!name) return {};
  const found = open.get(name) ?? last;
  return { name, input: found.input, at: found.at };
};
