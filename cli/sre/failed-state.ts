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
 * The state an unsuccessful execution failed in, as a person means it, and its input: where
 * the error arose — the last state entered before the failure path began (a caught error) —
 * or else the last state entered and never exited (an error left uncaught at its task).
 * `executions list` and `explain` both name it, so they always agree.
 */
export const failedStateOf = (events: HistoryEvent[]): { name?: string; input?: string } => {
  const caughtAt = events.findIndex((e) => FAILURE_PATH.has(entered(e) ?? ''));
  if (caughtAt > 0) {
    const before = events.slice(0, caughtAt).filter((e) => entered(e) !== undefined);
    const last = before.at(-1);
    if (last) return { name: entered(last), input: last.stateEnteredEventDetails?.input };
  }
  const open = new Map<string, string | undefined>();
  let last: { name?: string; input?: string } = {};
  for (const e of events) {
    const name = entered(e);
    if (name) {
      open.set(name, e.stateEnteredEventDetails?.input);
      last = { name, input: e.stateEnteredEventDetails?.input };
    }
    if (e.type?.endsWith('StateExited') && e.stateExitedEventDetails?.name)
      open.delete(e.stateExitedEventDetails.name);
  }
  const name = [...open.keys()].at(-1) ?? last.name;
  return { name, input: name ? (open.get(name) ?? last.input) : undefined };
};
