import type { VirtualClock } from '../clock';
import { functionArn } from '../runtime/functions';
import {
  type Execution,
  HISTORY_LIMIT,
  type HistoryEvent,
  type Json,
  type LocalStates,
  type TaskRecord,
} from './sfn-model';

/** An event of aws-local-stepfunctions' event log. */
type EventLog = { type: string; [key: string]: unknown };

/** resourceType and resource of the Lambda integration's callback pattern in task events. */
const CALLBACK_RESOURCE = { resourceType: 'lambda', resource: 'invoke.waitForTaskToken' };

/** The member of a HistoryEvent that holds an event type's details: TaskFailed → taskFailedEventDetails. */
const detailsKey = (type: string) => `${type.charAt(0).toLowerCase()}${type.slice(1)}EventDetails`;

type HistoryHooks = {
  onEvent?: (execution: Execution, event: HistoryEvent) => void;
  /** A quota ends the execution (see StepFunctions.stopForLimit). */
  stopForLimit: (e: Execution, error: string, cause: string) => void;
  /** False (and the execution stopped) when a payload is over the quota. */
  checkPayload: (e: Execution, what: string, value: unknown) => boolean;
};

/**
 * An execution's history as GetExecutionHistory returns it, written from the interpreter's
 * event log, held to the history quota.
 */
export class ExecutionHistory {
  constructor(
    private readonly clock: VirtualClock,
    private readonly region: string,
    private readonly hooks: HistoryHooks,
  ) {}

  record(execution: Execution, type: string, details: Record<string, unknown> = {}) {
    // After the execution stopped (a limit ended it), the interpreter's late events are dropped.
    if (execution.status !== 'RUNNING' && !type.startsWith('Execution')) return undefined;
    // The 25,000th event must be ExecutionSucceeded; any other event fails the execution in
    // its place (Step Functions developer guide, "Avoid reaching the history quota").
    if (
      execution.history.length === HISTORY_LIMIT - 1 &&
      execution.status === 'RUNNING' &&
      type !== 'ExecutionSucceeded'
    ) {
      this.hooks.stopForLimit(
        execution,
        'States.Runtime',
        `The execution reached the maximum number of events in its history (${HISTORY_LIMIT}).`,
      );
      return undefined;
    }
    const id = execution.history.length + 1;
    const event: HistoryEvent = {
      id,
      previousEventId: id - 1,
      timestamp: this.clock.now(),
      type,
      ...details,
    };
    execution.history.push(event);
    this.hooks.onEvent?.(execution, event);
    return event;
  }

  /**
   * The events AWS records when a task starts: for the Lambda service integration
   * (`arn:aws:states:::lambda:invoke.waitForTaskToken`) TaskScheduled (resourceType, resource,
   * region and the effective parameters are required members of TaskScheduledEventDetails)
   * and TaskStarted; for a function ARN, LambdaFunctionScheduled (resource, input) and
   * LambdaFunctionStarted (Step Functions API reference, HistoryEvent).
   */
  private scheduled(e: Execution, task: TaskRecord, input: unknown) {
    if (task.callback) {
      // The evaluated parameters when the task has already been called, else its template.
      const { __timeoutSeconds, ...parameters } = (task.parameters ?? task.template ?? {}) as Json;
      this.record(e, 'TaskScheduled', {
        taskScheduledEventDetails: {
          ...CALLBACK_RESOURCE,
          region: this.region,
          parameters: JSON.stringify(parameters),
          ...(__timeoutSeconds !== undefined ? { timeoutInSeconds: Number(__timeoutSeconds) } : {}),
        },
      });
      this.record(e, 'TaskStarted', { taskStartedEventDetails: { ...CALLBACK_RESOURCE } });
    } else {
      this.record(e, 'LambdaFunctionScheduled', {
        lambdaFunctionScheduledEventDetails: {
          resource: functionArn(task.key),
          input: JSON.stringify(input ?? null),
        },
      });
      this.record(e, 'LambdaFunctionStarted', {});
    }
  }

  /** aws-local-stepfunctions events → Step Functions history events. */
  translate(e: Execution, event: EventLog, local: LocalStates, topLevel: Set<string>) {
    const { checkPayload } = this.hooks;
    const ev = event as Json;
    const name: string | undefined = ev.state?.name;
    const type = name ? (local.originalTypes.get(name) ?? ev.state.type) : undefined;
    const task = name ? local.tasks.get(name) : undefined;
    const nested = ev.index !== undefined;
    switch (event.type) {
      case 'StateEntered':
        if (!checkPayload(e, `input of the state ${name}`, ev.state.input)) break;
        e.transitions++;
        e.statesVisited.push(name!);
        if (!nested && topLevel.has(name!)) e.current = { name: name!, input: ev.state.input };
        this.record(e, `${type}StateEntered`, {
          stateEnteredEventDetails: { name, input: JSON.stringify(ev.state.input) },
        });
        if (task) this.scheduled(e, task, ev.state.input);
        if (type === 'Map') this.record(e, 'MapStateStarted', {});
        break;
      case 'StateRetried':
        e.transitions++;
        if (task) this.scheduled(e, task, ev.state.input);
        break;
      case 'StateFailed':
        if (task) this.taskFailed(e, task, ev);
        else if (type === 'Map')
          this.record(e, 'MapStateFailed', {
            mapStateFailedEventDetails: { error: ev.Error, cause: String(ev.Cause ?? '') },
          });
        // A Fail state records nothing of its own: the execution failure carries the details.
        break;
      case 'StateExited':
        if (!checkPayload(e, `output of the state ${name}`, ev.state.output)) break;
        if (task) {
          const succeeded = task.callback ? 'TaskSucceeded' : 'LambdaFunctionSucceeded';
          this.record(e, succeeded, {
            [detailsKey(succeeded)]: {
              ...(task.callback ? CALLBACK_RESOURCE : {}),
              output: JSON.stringify(ev.state.output ?? null),
            },
          });
        }
        if (type === 'Map') this.record(e, 'MapStateSucceeded', {});
        this.record(e, `${type}StateExited`, {
          stateExitedEventDetails: { name, output: JSON.stringify(ev.state.output ?? null) },
        });
        break;
      case 'MapIterationStarted':
      case 'MapIterationSucceeded':
      case 'MapIterationFailed':
        // HistoryEvent: mapIterationStarted/Succeeded/FailedEventDetails (MapIterationEventDetails).
        this.record(e, event.type, {
          [detailsKey(event.type)]: {
            name: ev.parentState?.name,
            index: ev.index,
          },
        });
        break;
      default:
        break;
    }
  }

  /** TaskTimedOut or TaskFailed for a callback task, LambdaFunctionFailed for a function. */
  private taskFailed(e: Execution, task: TaskRecord, ev: Json) {
    const type = task.callback
      ? ev.Error === 'States.Timeout'
        ? 'TaskTimedOut'
        : 'TaskFailed'
      : 'LambdaFunctionFailed';
    this.record(e, type, {
      [detailsKey(type)]: {
        ...(task.callback ? CALLBACK_RESOURCE : {}),
        error: ev.Error,
        cause: typeof ev.Cause === 'string' ? ev.Cause : JSON.stringify(ev.Cause),
      },
    });
  }
}
