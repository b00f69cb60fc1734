import { StateMachine } from 'aws-local-stepfunctions';
import type { VirtualClock } from '../clock';
import type { FunctionRuntime } from '../runtime/functions';
import { type Activity, holdFor } from '../warp';
import { validationRecord } from './asl-validations';
import type { ExecutionHistory } from './sfn-history';
import type {
  Definition,
  Execution,
  Json,
  LocalStates,
  StateMachineRecord,
  Status,
  TaskRecord,
} from './sfn-model';
import { type NextFunctions, nextFunctions } from './sfn-next-functions';
import type { TaskTokens } from './sfn-tokens';

const WAIT_FUNCTION =
  'arn:aws:lambda:us-east-1:000000000000:function:edge-mlops-local-virtual-wait';

/** No TimeoutSeconds: the task may wait as long as a Standard execution runs (one year). */
const ONE_YEAR_SECONDS = 31_536_000;

export type InterpreterDeps = {
  clock: VirtualClock;
  functions: FunctionRuntime;
  tokens: TaskTokens;
  history: ExecutionHistory;
  activity: Activity;
  checkPayload: (e: Execution, what: string, value: unknown) => boolean;
  finish: (
    e: Execution,
    status: Status,
    details: { output?: unknown; error?: string; cause?: string },
  ) => void;
};

/** A Wait state as a Task that sleeps the Wait's time on the virtual clock (the library's own waits only take fixed overrides). */
const waitAsTask = (state: Json) => {
  const { Seconds, SecondsPath, Timestamp, TimestampPath, ...rest } = state;
  const parameters = SecondsPath
    ? { 'seconds.$': SecondsPath }
    : Seconds !== undefined
      ? { seconds: Seconds }
      : TimestampPath
        ? { 'timestamp.$': TimestampPath }
        : { timestamp: Timestamp };
  return {
    ...rest,
    Type: 'Task',
    Resource: WAIT_FUNCTION,
    Parameters: parameters,
    ResultPath: null,
  };
};

/**
 * A `.waitForTaskToken` task whose timeout travels in its parameters, evaluated against the
 * state input: the emulator enforces the task timeout itself, on the virtual clock.
 */
const callbackWithTimeout = (state: Json) => {
  const { TimeoutSeconds, TimeoutSecondsPath, HeartbeatSeconds, HeartbeatSecondsPath, ...rest } =
    state;
  const timeout = TimeoutSecondsPath
    ? { '__timeoutSeconds.$': TimeoutSecondsPath }
    : { __timeoutSeconds: TimeoutSeconds ?? ONE_YEAR_SECONDS };
  // The library itself times a Task out after 60 real seconds when it has no TimeoutSeconds
  // (Step Functions sets no timeout by default: docs.aws.amazon.com/step-functions/latest/dg/
  // sfn-stuck-execution.html): give it the longest a Node timer holds (2^31-1 ms), so only the
  // emulator's own, virtual, timeout applies.
  return {
    ...rest,
    TimeoutSeconds: 2_147_483,
    Parameters: { ...state.Parameters, ...timeout },
  };
};

/** The definition as aws-local-stepfunctions runs it locally (Wait states on the virtual clock). */
const localDefinition = (definition: Definition, startAt: string, functions: FunctionRuntime) => {
  const local: LocalStates = { originalTypes: new Map(), tasks: new Map<string, TaskRecord>() };
  const transform = (states: Record<string, Json>, inMap?: string): Record<string, Json> =>
    Object.fromEntries(
      Object.entries(states).map(([name, state]) => {
        local.originalTypes.set(name, state.Type);
        if (state.Type === 'Map' && state.ItemProcessor)
          return [
            name,
            {
              ...state,
              ItemProcessor: {
                ...state.ItemProcessor,
                // The top-level Map: the execution's current state while any of its iterations run.
                States: transform(state.ItemProcessor.States, inMap ?? name),
              },
            },
          ];
        if (state.Type === 'Wait') return [name, waitAsTask(state)];
        if (state.Type === 'Task') {
          const callback = String(state.Resource).endsWith('.waitForTaskToken');
          const arn = callback ? state.Parameters?.FunctionName : state.Resource;
          const key = functions.keyOfArn(String(arn));
          if (!key)
            throw new Error(`task ${name} calls ${arn}, which is not a function of serverless.yml`);
          local.tasks.set(name, {
            key,
            callback,
            template: state.Parameters,
            ...(inMap ? { inMap } : {}),
          });
          if (callback) return [name, callbackWithTimeout(state)];
        }
        return [name, state];
      }),
    );
  const states = transform(definition.States);
  return { definition: { ...definition, StartAt: startAt, States: states }, ...local };
};

/** Every Retry's intervals in real milliseconds, so retries wait on the virtual clock. */
const retryOverrides = (definition: Definition, clock: VirtualClock) => {
  const overrides: Record<string, number[]> = {};
  const visit = (states: Record<string, Json>) => {
    for (const [name, state] of Object.entries(states)) {
      if (state.ItemProcessor) visit(state.ItemProcessor.States);
      if (state.Retry)
        overrides[name] = state.Retry.map((r: Json) =>
          clock.realMs((r.IntervalSeconds ?? 1) * 1000),
        );
    }
  };
  visit(definition.States);
  return overrides;
};

/** `value` with every occurrence of the run's context token replaced by the task's own. */
const withToken = (value: unknown, contextToken: string, taskToken: string): Json => {
  if (value === contextToken) return taskToken;
  if (Array.isArray(value)) return value.map((v) => withToken(v, contextToken, taskToken));
  if (value && typeof value === 'object')
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [k, withToken(v, contextToken, taskToken)]),
    );
  return value;
};

/**
 * Callback tasks whose token a person answers (through the approval page; in local mode,
 * simulate or a test). Every other callback task of the project (Watch Wave) is answered by
 * the emulator's own events, so the time warp may jump to its deadline.
 */
const ANSWERED_FROM_OUTSIDE = new Set(['requestApproval']);

/**
 * Step Functions starts no further iteration of a Map once one failed: "If any iteration
 * fails, entire Map state fails, and all iterations are terminated" (Step Functions developer
 * guide, Map state; LocalStack had the same gap, localstack/localstack#6443, "Map state with
 * concurrency 1 does not short circuit"). aws-local-stepfunctions bounds a Map's
 * concurrency with p-limit, which starts the next queued iteration as soon as one settles,
 * failed or not, and the Map aborts it only afterwards: the next fleet's first wave would be
 * deployed after an earlier fleet's wave aborted. So a task of a Map iteration lets the
 * library react first (one macrotask, the warp held) and runs only while the execution is
 * still in that Map; otherwise it is abandoned, like its iteration.
 */
const onlyInsideMap =
  (activity: Activity, e: Execution, map: string, run: (input: Json) => Promise<Json>) =>
  async (input: Json): Promise<Json> => {
    const release = activity.hold();
    try {
      await new Promise((resolve) => setImmediate(resolve));
    } finally {
      release();
    }
    if (e.status !== 'RUNNING' || e.current?.name !== map) return new Promise<never>(() => {});
    return run(input);
  };

/** The project's handlers for the Task states, and virtual-clock sleeps for the Wait states. */
const localHandlers = (
  deps: InterpreterDeps,
  e: Execution,
  local: LocalStates,
  token: string,
  retryPauseMs: number,
  upcoming: NextFunctions,
): Record<string, (input: Json) => Promise<Json>> => {
  const { clock, functions, tokens, checkPayload, activity } = deps;
  const handlers: Record<string, (input: Json) => Promise<Json>> = {};
  /**
   * The library pauses before a retry on a real timer (the override): the world is not idle
   * then, so a failed task holds the time warp for the longest such pause, and the retry is
   * not overtaken by a jump to a later timer.
   */
  const holdingRetryPause =
    (run: (input: Json) => Promise<Json>) =>
    async (input: Json): Promise<Json> => {
      try {
        return await run(input);
      } catch (error) {
        if (retryPauseMs > 0) holdFor(activity, retryPauseMs + 1);
        throw error;
      }
    };
  for (const [name, { key, callback, inMap }] of local.tasks) {
    const handler = holdingRetryPause(
      callback
        ? async (params: Json) => {
            const { __timeoutSeconds, Payload } = params;
            // TimeoutSecondsPath "must select a field whose value is a positive integer"
            // (Amazon States Language, Task state): anything else fails the execution.
            const timeoutSeconds = Number(__timeoutSeconds);
            if (!Number.isInteger(timeoutSeconds) || timeoutSeconds < 1)
              throw Object.assign(
                new Error(
                  `task ${name}: the timeout must be a positive integer number of seconds, not ${JSON.stringify(__timeoutSeconds)}`,
                ),
                { name: 'States.Runtime' },
              );
            // Every entry into a callback task has a token of its own ($$.Task.Token): an
            // answer to an earlier entry (a timed-out wait) can never resume a later one.
            const taskToken = tokens.issue(e);
            const payload = withToken(Payload, token, taskToken);
            local.tasks.get(name)!.parameters = { ...params, Payload: payload };
            const invoked = functions.invoke(key, payload);
            functions.prefetch(upcoming.after.get(name) ?? []);
            await invoked;
            return (await tokens.wait(taskToken, e.arn, timeoutSeconds, {
              answeredFromOutside: ANSWERED_FROM_OUTSIDE.has(key),
            })) as Json;
          }
        : async (payload: Json) => {
            const invoked = functions.invoke(key, payload);
            functions.prefetch(upcoming.after.get(name) ?? []);
            const result = (await invoked) as Json;
            if (!checkPayload(e, `result of the task ${name}`, result))
              throw Object.assign(new Error('payload over the quota'), {
                name: 'States.DataLimitExceeded',
              });
            return result;
          },
    );
    handlers[name] = inMap ? onlyInsideMap(activity, e, inMap, handler) : handler;
  }
  const waitHandler = async (params: Json) => {
    const ms =
      params.seconds !== undefined
        ? Number(params.seconds) * 1000
        : Date.parse(params.timestamp) - clock.now();
    await clock.sleep(Math.max(0, ms));
    return null;
  };
  for (const [name, type] of local.originalTypes) if (type === 'Wait') handlers[name] = waitHandler;
  return handlers;
};

/** State machines whose (local) definition the library has validated. */
const validated = new WeakSet<StateMachineRecord>();

/** What each state machine calls next, from its ASL (read once per machine). */
const upcomingOf = new WeakMap<StateMachineRecord, NextFunctions>();
const upcomingFunctions = (machine: StateMachineRecord, functions: FunctionRuntime) => {
  let upcoming = upcomingOf.get(machine);
  if (!upcoming) {
    upcoming = nextFunctions(machine.definition, (task) =>
      functions.keyOfArn(
        String(
          String(task.Resource).endsWith('.waitForTaskToken')
            ? task.Parameters?.FunctionName
            : task.Resource,
        ),
      ),
    );
    upcomingOf.set(machine, upcoming);
  }
  return upcoming;
};

/**
 * The handlers, each settled by the execution's end: once it is stopped (StopExecution, or the
 * emulator closing), a handler still waiting on a function, a token or the clock rejects at
 * once, so the interpreter's own task timer is cleared instead of holding the process.
 */
const endingWith = (
  ended: AbortSignal,
  handlers: Record<string, (input: Json) => Promise<Json>>,
): Record<string, (input: Json) => Promise<Json>> => {
  const stopped = new Promise<never>((_, reject) =>
    ended.addEventListener('abort', () =>
      reject(Object.assign(new Error('the execution was stopped'), { name: 'States.Aborted' })),
    ),
  );
  stopped.catch(() => undefined);
  return Object.fromEntries(
    Object.entries(handlers).map(([name, handler]) => [
      name,
      (input: Json) => Promise.race([handler(input), stopped]),
    ]),
  );
};

/**
 * Runs an execution from `startAt` with aws-local-stepfunctions: Task states call the
 * project's handlers, `.waitForTaskToken` tasks wait on the execution's task token, and the
 * interpreter's events become the execution's history. Ends the execution when it ends.
 */
export const runExecution = async (
  deps: InterpreterDeps,
  e: Execution,
  machine: StateMachineRecord,
  startAt: string,
  input: unknown,
): Promise<void> => {
  const { clock, history } = deps;
  const local = localDefinition(machine.definition, startAt, deps.functions);
  const token = deps.tokens.issue(e);
  // A redrive starts mid-way: states before it are unreachable from there, which is fine.
  // A definition is validated once (200–500 ms of ajv each time), at its first execution,
  // unless this content was accepted before (asl-validations.ts).
  const resumed = startAt !== machine.definition.StartAt;
  const checks = { checkArn: false, checkPaths: false };
  const record = !resumed && !validated.has(machine) && validationRecord(local.definition, checks);
  const validate = record && !record.acceptedBefore;
  const stateMachine = new StateMachine(local.definition as never, {
    validationOptions: validate ? checks : { noValidate: true },
  });
  if (validate) record.remember();
  validated.add(machine);
  const retries = retryOverrides(machine.definition, clock);
  const upcoming = upcomingFunctions(machine, deps.functions);
  if (!resumed) deps.functions.prefetch(upcoming.first);
  const retryPauseMs = Math.max(0, ...Object.values(retries).flat());
  const started = new Date(clock.now()).toISOString();
  const ended = new AbortController();
  const execution = stateMachine.run(input as never, {
    overrides: {
      taskResourceLocalHandlers: endingWith(
        ended.signal,
        localHandlers(deps, e, local, token, retryPauseMs, upcoming),
      ) as never,
      retryIntervalOverrides: retries,
    },
    context: {
      Execution: {
        Id: e.arn,
        Name: e.name,
        StartTime: started,
        Input: JSON.parse(e.input),
        RoleArn: machine.roleArn,
      },
      StateMachine: { Id: machine.arn, Name: machine.name },
      State: { EnteredTime: started, Name: startAt },
      Task: { Token: token },
    } as never,
    noThrowOnAbort: true,
  });
  e.abort = () => {
    execution.abort();
    ended.abort();
  };
  const topLevel = new Set(Object.keys(machine.definition.States));
  const events = (async () => {
    for await (const event of execution.eventLogs)
      history.translate(e, event as never, local, topLevel);
  })();
  try {
    const output = await execution.result;
    await events;
    if (e.status === 'RUNNING') deps.finish(e, 'SUCCEEDED', { output });
  } catch (error) {
    await events.catch(() => undefined);
    const cause = (error as { cause?: Error }).cause ?? (error as Error);
    if (e.status === 'RUNNING')
      deps.finish(e, 'FAILED', { error: cause.name, cause: cause.message });
  }
};
