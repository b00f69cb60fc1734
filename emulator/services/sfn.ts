import { randomBytes } from 'node:crypto';
import { StateMachine } from 'aws-local-stepfunctions';

type EventLog = { type: string; [key: string]: unknown };

import type { VirtualClock } from '../clock';
import { AwsError, epoch, page, required } from '../http';
import type { FunctionRuntime } from '../runtime/functions';
import { functionArn } from '../runtime/functions';

/**
 * AWS Step Functions (AWS JSON 1.0) running the project's real ASL with
 * aws-local-stepfunctions. Task states call the project's handlers (functionRuntime);
 * `.waitForTaskToken` tasks block until SendTaskSuccess/Failure or their timeout; Wait
 * states and retry intervals run on the virtual clock. Refusals follow the API reference:
 * ExecutionAlreadyExists, InvalidToken, TaskTimedOut, ExecutionNotRedrivable, …
 */
type Json = any;
type Definition = { StartAt: string; States: Record<string, Json> };

export type HistoryEvent = {
  id: number;
  previousEventId: number;
  timestamp: number;
  type: string;
  [details: string]: unknown;
};

type TaskRecord = {
  key: string;
  callback: boolean;
  /** The ASL Parameters, and the parameters the task was last called with. */
  template?: Json;
  parameters?: Json;
};

type Status = 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT' | 'ABORTED';

type Waiter = { resolve: (output: unknown) => void; reject: (error: Error) => void };
type TokenRecord = {
  executionArn: string;
  closed: boolean;
  outcome?: { output?: unknown; error?: Error };
  waiter?: Waiter;
};

export type Execution = {
  arn: string;
  name: string;
  stateMachineArn: string;
  input: string;
  status: Status;
  startDate: number;
  stopDate?: number;
  output?: string;
  error?: string;
  cause?: string;
  history: HistoryEvent[];
  redriveCount: number;
  redriveDate?: number;
  /** The top-level state running when the execution stopped, and its input: where a redrive resumes. */
  current?: { name: string; input: unknown };
  transitions: number;
  statesVisited: string[];
  abort?: () => void;
  done: Promise<void>;
};

export type StateMachineRecord = {
  arn: string;
  name: string;
  definition: Definition;
  roleArn: string;
  createdAt: number;
};

// StartExecution name: 1–80 characters, none of whitespace, brackets, wildcards, these
// punctuation marks or control characters (API reference, StartExecution).
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what it refuses
const INVALID_NAME = /[\s<>{}[\]?*"#%\\^|~`$&,;:/\u0000-\u001f\u007f-\u009f]/;
const MAX_PAYLOAD = 262_144;
const HISTORY_LIMIT = 25_000;
const REDRIVE_WINDOW_MS = 14 * 24 * 3600 * 1000;
const WAIT_FUNCTION =
  'arn:aws:lambda:us-east-1:000000000000:function:edge-mlops-local-virtual-wait';

const bytes = (text: string) => Buffer.byteLength(text, 'utf8');
/** resourceType and resource of the Lambda integration's callback pattern in task events. */
const CALLBACK_RESOURCE = { resourceType: 'lambda', resource: 'invoke.waitForTaskToken' };

export type SfnOptions = {
  /** Fail every task-token wait at once with States.Timeout (simulate --approval-timeout). */
  approvalTimeout: () => boolean;
  onExecutionEvent?: (execution: Execution, event: HistoryEvent) => void;
};

export class StepFunctions {
  readonly machines = new Map<string, StateMachineRecord>();
  readonly executions = new Map<string, Execution>();
  private readonly tokens = new Map<string, TokenRecord>();

  constructor(
    private readonly clock: VirtualClock,
    private readonly functions: FunctionRuntime,
    private readonly region: string,
    private readonly account: string,
    private readonly options: SfnOptions,
  ) {}

  createStateMachine(name: string, definition: Definition, roleArn: string): StateMachineRecord {
    const arn = `arn:aws:states:${this.region}:${this.account}:stateMachine:${name}`;
    const record = { arn, name, definition, roleArn, createdAt: this.clock.now() };
    this.machines.set(arn, record);
    return record;
  }

  private machine(arn: string) {
    const m = this.machines.get(arn);
    if (!m)
      throw new AwsError('StateMachineDoesNotExist', `State Machine Does Not Exist: '${arn}'`);
    return m;
  }

  private execution(arn: string) {
    const e = this.executions.get(arn);
    if (!e) throw new AwsError('ExecutionDoesNotExist', `Execution Does Not Exist: '${arn}'`);
    return e;
  }

  private record(execution: Execution, type: string, details: Record<string, unknown> = {}) {
    // After the execution stopped (a limit ended it), the interpreter's late events are dropped.
    if (execution.status !== 'RUNNING' && !type.startsWith('Execution')) return undefined;
    // The 25,000th event must be ExecutionSucceeded; any other event fails the execution in
    // its place (Step Functions developer guide, "Avoid reaching the history quota").
    if (
      execution.history.length === HISTORY_LIMIT - 1 &&
      execution.status === 'RUNNING' &&
      type !== 'ExecutionSucceeded'
    ) {
      this.stopForLimit(
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
    this.options.onExecutionEvent?.(execution, event);
    return event;
  }

  // ---------------------------------------------------------------- API operations
  api() {
    return {
      StartExecution: async (body: Json) => this.startExecution(body),
      DescribeExecution: async (body: Json) =>
        this.describe(this.execution(required(body.executionArn, 'executionArn'))),
      ListExecutions: async (body: Json) => {
        const machine = this.machine(required(body.stateMachineArn, 'stateMachineArn'));
        const all = [...this.executions.values()]
          .filter(
            (e) =>
              e.stateMachineArn === machine.arn &&
              (!body.statusFilter || e.status === body.statusFilter),
          )
          .sort((a, b) => b.startDate - a.startDate);
        const { items, nextToken } = page(all, body.nextToken, body.maxResults, 1000);
        return {
          executions: items.map((e) => ({
            executionArn: e.arn,
            stateMachineArn: e.stateMachineArn,
            name: e.name,
            status: e.status,
            startDate: epoch(e.startDate),
            ...(e.stopDate ? { stopDate: epoch(e.stopDate) } : {}),
            redriveCount: e.redriveCount,
          })),
          ...(nextToken ? { nextToken } : {}),
        };
      },
      GetExecutionHistory: async (body: Json) => {
        const e = this.execution(required(body.executionArn, 'executionArn'));
        const events = body.reverseOrder ? [...e.history].reverse() : e.history;
        const { items, nextToken } = page(events, body.nextToken, body.maxResults, 1000);
        const strip = body.includeExecutionData === false;
        return {
          events: items.map((ev) => {
            const out: Json = { ...ev, timestamp: epoch(ev.timestamp) };
            if (strip)
              for (const k of Object.keys(out))
                if (k.endsWith('EventDetails'))
                  out[k] = { ...out[k], input: undefined, output: undefined };
            return out;
          }),
          ...(nextToken ? { nextToken } : {}),
        };
      },
      StopExecution: async (body: Json) => {
        const e = this.execution(required(body.executionArn, 'executionArn'));
        if (e.status !== 'RUNNING')
          throw new AwsError('ValidationException', `Execution ${e.arn} is not running`);
        this.finish(e, 'ABORTED', { error: body.error, cause: body.cause });
        e.abort?.();
        return { stopDate: epoch(e.stopDate!) };
      },
      RedriveExecution: async (body: Json) =>
        this.redrive(this.execution(required(body.executionArn, 'executionArn'))),
      SendTaskSuccess: async (body: Json) => {
        const token = this.token(body.taskToken);
        const output = required(body.output as string, 'output');
        if (bytes(output) > MAX_PAYLOAD)
          throw new AwsError('InvalidOutput', 'The output exceeds the 262144 bytes limit');
        let parsed: unknown;
        try {
          parsed = JSON.parse(output);
        } catch {
          throw new AwsError('InvalidOutput', 'Invalid output: not valid JSON');
        }
        this.settle(token, { output: parsed });
        return {};
      },
      SendTaskFailure: async (body: Json) => {
        const token = this.token(body.taskToken);
        const error = Object.assign(new Error(body.cause ?? ''), {
          name: body.error ?? 'States.TaskFailed',
        });
        this.settle(token, { error });
        return {};
      },
      SendTaskHeartbeat: async (body: Json) => {
        this.token(body.taskToken);
        return {};
      },
      DescribeStateMachine: async (body: Json) => {
        const m = this.machine(required(body.stateMachineArn, 'stateMachineArn'));
        return {
          stateMachineArn: m.arn,
          name: m.name,
          status: 'ACTIVE',
          definition: JSON.stringify(m.definition),
          roleArn: m.roleArn,
          type: 'STANDARD',
          creationDate: epoch(m.createdAt),
        };
      },
      ListStateMachines: async () => ({
        stateMachines: [...this.machines.values()].map((m) => ({
          stateMachineArn: m.arn,
          name: m.name,
          type: 'STANDARD',
          creationDate: epoch(m.createdAt),
        })),
      }),
    };
  }

  private token(taskToken: unknown): TokenRecord {
    const text = required(taskToken as string, 'taskToken');
    if (text.length > 2048)
      throw new AwsError('InvalidToken', 'Invalid Token: longer than 2048 characters');
    const record = this.tokens.get(text);
    // An unknown token is invalid; a known one whose task already closed has timed out.
    if (!record) throw new AwsError('InvalidToken', 'Invalid Token: the task token is not valid');
    if (record.closed)
      throw new AwsError('TaskTimedOut', 'Task Timed Out: the task has already been closed');
    return record;
  }

  private settle(record: TokenRecord, outcome: { output?: unknown; error?: Error }) {
    record.closed = true;
    record.outcome = outcome;
    if (record.waiter) {
      if (outcome.error) record.waiter.reject(outcome.error);
      else record.waiter.resolve(outcome.output);
    }
  }

  private startExecution(body: Json) {
    const machine = this.machine(required(body.stateMachineArn, 'stateMachineArn'));
    const name: string = body.name ?? crypto.randomUUID();
    if (name.length < 1 || name.length > 80)
      throw new AwsError(
        'ValidationException',
        `1 validation error detected: Value '${name}' at 'name' failed to satisfy constraint: Member must have length less than or equal to 80`,
      );
    if (INVALID_NAME.test(name)) throw new AwsError('InvalidName', `Invalid Name: '${name}'`);
    const input: string = body.input ?? '{}';
    if (bytes(input) > MAX_PAYLOAD)
      throw new AwsError('ValidationException', 'Input exceeds the 262144 bytes limit');
    try {
      JSON.parse(input);
    } catch {
      throw new AwsError(
        'InvalidExecutionInput',
        'Invalid State Machine Execution Input: not valid JSON',
      );
    }
    const arn = `arn:aws:states:${this.region}:${this.account}:execution:${machine.name}:${name}`;
    const existing = this.executions.get(arn);
    if (existing) {
      // Same name and input on a running STANDARD execution: the original answer (idempotent).
      if (existing.status === 'RUNNING' && existing.input === input)
        return { executionArn: arn, startDate: epoch(existing.startDate) };
      throw new AwsError('ExecutionAlreadyExists', `Execution Already Exists: '${arn}'`);
    }
    const execution: Execution = {
      arn,
      name,
      stateMachineArn: machine.arn,
      input,
      status: 'RUNNING',
      startDate: this.clock.now(),
      history: [],
      redriveCount: 0,
      transitions: 0,
      statesVisited: [],
      done: Promise.resolve(),
    };
    this.executions.set(arn, execution);
    this.record(execution, 'ExecutionStarted', {
      executionStartedEventDetails: { input, roleArn: machine.roleArn },
    });
    execution.done = this.run(execution, machine, machine.definition.StartAt, JSON.parse(input));
    return { executionArn: arn, startDate: epoch(execution.startDate) };
  }

  describe(e: Execution) {
    const redrive = this.redrivable(e);
    return {
      executionArn: e.arn,
      stateMachineArn: e.stateMachineArn,
      name: e.name,
      status: e.status,
      startDate: epoch(e.startDate),
      ...(e.stopDate ? { stopDate: epoch(e.stopDate) } : {}),
      input: e.input,
      ...(e.output !== undefined ? { output: e.output } : {}),
      ...(e.error ? { error: e.error } : {}),
      ...(e.cause ? { cause: e.cause } : {}),
      redriveCount: e.redriveCount,
      ...(e.redriveDate ? { redriveDate: epoch(e.redriveDate) } : {}),
      redriveStatus: redrive.ok ? 'REDRIVABLE' : 'NOT_REDRIVABLE',
      ...(redrive.ok ? {} : { redriveStatusReason: redrive.reason }),
    };
  }

  private redrivable(e: Execution): { ok: true } | { ok: false; reason: string } {
    if (e.status === 'RUNNING')
      return { ok: false, reason: 'Execution is RUNNING and cannot be redriven' };
    if (e.status === 'SUCCEEDED')
      return { ok: false, reason: 'Execution is SUCCEEDED and cannot be redriven' };
    if (e.history.length >= HISTORY_LIMIT - 1)
      return { ok: false, reason: 'Execution history event limit exceeded' };
    if (this.clock.now() - (e.stopDate ?? 0) > REDRIVE_WINDOW_MS)
      return { ok: false, reason: 'Execution redrivable period exceeded' };
    if (!e.current) return { ok: false, reason: 'Execution has no state to resume' };
    return { ok: true };
  }

  private redrive(e: Execution) {
    const check = this.redrivable(e);
    if (!check.ok)
      throw new AwsError(
        'ExecutionNotRedrivable',
        `Execution ${e.arn} cannot be redriven: ${check.reason}`,
      );
    const machine = this.machine(e.stateMachineArn);
    e.status = 'RUNNING';
    e.redriveCount++;
    e.redriveDate = this.clock.now();
    e.stopDate = undefined;
    e.error = undefined;
    e.cause = undefined;
    e.output = undefined;
    this.record(e, 'ExecutionRedriven', {
      executionRedrivenEventDetails: { redriveCount: e.redriveCount },
    });
    const { name, input } = e.current!;
    e.done = this.run(e, machine, name, input);
    return { redriveDate: epoch(e.redriveDate) };
  }

  private finish(
    e: Execution,
    status: Status,
    details: { output?: unknown; error?: string; cause?: string },
  ) {
    if (e.status !== 'RUNNING') return;
    e.status = status;
    e.stopDate = this.clock.now();
    for (const token of this.tokens.values()) if (token.executionArn === e.arn) token.closed = true;
    if (status === 'SUCCEEDED') {
      e.output = JSON.stringify(details.output ?? null);
      this.record(e, 'ExecutionSucceeded', {
        executionSucceededEventDetails: { output: e.output },
      });
    } else if (status === 'ABORTED') {
      e.error = details.error;
      e.cause = details.cause;
      this.record(e, 'ExecutionAborted', {
        executionAbortedEventDetails: { error: details.error, cause: details.cause },
      });
    } else {
      e.error = details.error;
      e.cause = details.cause;
      this.record(e, 'ExecutionFailed', {
        executionFailedEventDetails: { error: details.error, cause: details.cause },
      });
    }
  }

  /** A Step Functions quota ends the execution: it fails at once, whatever the ASL catches. */
  private stopForLimit(e: Execution, error: string, cause: string) {
    this.finish(e, 'FAILED', { error, cause });
    e.abort?.();
  }

  /**
   * States.DataLimitExceeded: a state's input or output, or a task's result, over 256 KB
   * fails the execution; it is a terminal error that States.ALL does not catch (Step
   * Functions developer guide, "Error handling" and "Service quotas").
   */
  private checkPayload(e: Execution, what: string, value: unknown) {
    const size = bytes(JSON.stringify(value ?? null));
    if (size <= MAX_PAYLOAD) return true;
    this.stopForLimit(
      e,
      'States.DataLimitExceeded',
      `The ${what} has ${size} bytes, above the quota of ${MAX_PAYLOAD} bytes.`,
    );
    return false;
  }

  // ---------------------------------------------------------------- the interpreter
  /** The definition as aws-local-stepfunctions runs it locally (Wait states on the virtual clock). */
  private localDefinition(definition: Definition, startAt: string) {
    const originalTypes = new Map<string, string>();
    const tasks = new Map<string, TaskRecord>();
    const transform = (states: Record<string, Json>): Record<string, Json> =>
      Object.fromEntries(
        Object.entries(states).map(([name, state]) => {
          originalTypes.set(name, state.Type);
          if (state.Type === 'Map' && state.ItemProcessor) {
            return [
              name,
              {
                ...state,
                ItemProcessor: {
                  ...state.ItemProcessor,
                  States: transform(state.ItemProcessor.States),
                },
              },
            ];
          }
          if (state.Type === 'Wait') {
            // A Task that sleeps the Wait's time on the virtual clock (the library's own
            // waits only take fixed overrides).
            const { Seconds, SecondsPath, Timestamp, TimestampPath, ...rest } = state;
            const parameters = SecondsPath
              ? { 'seconds.$': SecondsPath }
              : Seconds !== undefined
                ? { seconds: Seconds }
                : TimestampPath
                  ? { 'timestamp.$': TimestampPath }
                  : { timestamp: Timestamp };
            return [
              name,
              {
                ...rest,
                Type: 'Task',
                Resource: WAIT_FUNCTION,
                Parameters: parameters,
                ResultPath: null,
              },
            ];
          }
          if (state.Type === 'Task') {
            const callback = String(state.Resource).endsWith('.waitForTaskToken');
            const arn = callback ? state.Parameters?.FunctionName : state.Resource;
            const key = this.functions.keyOfArn(String(arn));
            if (!key)
              throw new Error(
                `task ${name} calls ${arn}, which is not a function of serverless.yml`,
              );
            tasks.set(name, { key, callback, template: state.Parameters });
            if (callback) {
              // The emulator enforces the task timeout itself (on the virtual clock), so the
              // timeout travels in the parameters, evaluated against the state input.
              const {
                TimeoutSeconds,
                TimeoutSecondsPath,
                HeartbeatSeconds,
                HeartbeatSecondsPath,
                ...rest
              } = state;
              const timeout = TimeoutSecondsPath
                ? { '__timeoutSeconds.$': TimeoutSecondsPath }
                : { __timeoutSeconds: TimeoutSeconds ?? 31_536_000 };
              // The library itself times a Task out after 60 real seconds when it has no
              // TimeoutSeconds (Step Functions sets no timeout by default: docs.aws.amazon.com/
              // step-functions/latest/dg/sfn-stuck-execution.html): give it the longest a Node
              // timer holds (2^31-1 ms), so only the emulator's own, virtual, timeout applies.
              return [
                name,
                {
                  ...rest,
                  TimeoutSeconds: 2_147_483,
                  Parameters: { ...state.Parameters, ...timeout },
                },
              ];
            }
          }
          return [name, state];
        }),
      );
    const states = transform(definition.States);
    return {
      definition: { ...definition, StartAt: startAt, States: states },
      originalTypes,
      tasks,
    };
  }

  private retryOverrides(definition: Definition) {
    const overrides: Record<string, number[]> = {};
    const visit = (states: Record<string, Json>) => {
      for (const [name, state] of Object.entries(states)) {
        if (state.ItemProcessor) visit(state.ItemProcessor.States);
        if (state.Retry)
          overrides[name] = state.Retry.map((r: Json) =>
            this.clock.realMs((r.IntervalSeconds ?? 1) * 1000),
          );
      }
    };
    visit(definition.States);
    return overrides;
  }

  private async waitForToken(
    token: string,
    executionArn: string,
    timeoutSeconds: number,
  ): Promise<unknown> {
    const record = this.tokens.get(token) ?? { executionArn, closed: false };
    this.tokens.set(token, record);
    if (record.outcome) {
      if (record.outcome.error) throw record.outcome.error;
      return record.outcome.output;
    }
    const timeout = Object.assign(
      new Error(`no SendTaskSuccess/Failure within ${timeoutSeconds} seconds`),
      { name: 'States.Timeout' },
    );
    if (this.options.approvalTimeout()) {
      record.closed = true;
      throw timeout;
    }
    return new Promise((resolve, reject) => {
      // On the clock's timer: a slowed clock (a person deciding in real time) delays it too.
      const timer = this.clock.timer(timeoutSeconds * 1000, () => {
        record.closed = true;
        reject(timeout);
      });
      record.waiter = {
        resolve: (v) => {
          timer.cancel();
          resolve(v);
        },
        reject: (e) => {
          timer.cancel();
          reject(e);
        },
      };
    });
  }

  private async run(
    e: Execution,
    machine: StateMachineRecord,
    startAt: string,
    input: unknown,
  ): Promise<void> {
    const local = this.localDefinition(machine.definition, startAt);
    const token = `${Buffer.from(e.arn).toString('base64url')}.${e.redriveCount}.${randomBytes(24).toString('base64url')}`;
    this.tokens.set(token, { executionArn: e.arn, closed: false });
    const handlers: Record<string, (input: Json) => Promise<Json>> = {};
    for (const [name, { key, callback }] of local.tasks) {
      handlers[name] = callback
        ? async (params: Json) => {
            const { __timeoutSeconds, Payload } = params;
            local.tasks.get(name)!.parameters = params;
            await this.functions.invoke(key, Payload);
            return (await this.waitForToken(token, e.arn, Number(__timeoutSeconds))) as Json;
          }
        : async (payload: Json) => {
            const result = (await this.functions.invoke(key, payload)) as Json;
            if (!this.checkPayload(e, `result of the task ${name}`, result))
              throw Object.assign(new Error('payload over the quota'), {
                name: 'States.DataLimitExceeded',
              });
            return result;
          };
    }
    const waitHandler = async (params: Json) => {
      const ms =
        params.seconds !== undefined
          ? Number(params.seconds) * 1000
          : Date.parse(params.timestamp) - this.clock.now();
      await this.clock.sleep(Math.max(0, ms));
      return null;
    };
    for (const [name, type] of local.originalTypes)
      if (type === 'Wait') handlers[name] = waitHandler;

    // A redrive starts mid-way: states before it are unreachable from there, which is fine.
    const resumed = startAt !== machine.definition.StartAt;
    const stateMachine = new StateMachine(local.definition as never, {
      validationOptions: resumed ? { noValidate: true } : { checkArn: false, checkPaths: false },
    });
    const started = new Date(this.clock.now()).toISOString();
    const execution = stateMachine.run(input as never, {
      overrides: {
        taskResourceLocalHandlers: handlers as never,
        retryIntervalOverrides: this.retryOverrides(machine.definition),
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
    e.abort = () => execution.abort();
    const topLevel = new Set(Object.keys(machine.definition.States));
    const history = (async () => {
      for await (const event of execution.eventLogs)
        this.translate(e, event as unknown as EventLog, local, topLevel);
    })();
    try {
      const output = await execution.result;
      await history;
      if (e.status === 'RUNNING') this.finish(e, 'SUCCEEDED', { output });
    } catch (error) {
      await history.catch(() => undefined);
      const cause = (error as { cause?: Error }).cause ?? (error as Error);
      if (e.status === 'RUNNING')
        this.finish(e, 'FAILED', { error: cause.name, cause: cause.message });
    }
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
  private translate(
    e: Execution,
    event: EventLog,
    local: {
      originalTypes: Map<string, string>;
      tasks: Map<string, TaskRecord>;
    },
    topLevel: Set<string>,
  ) {
    const ev = event as Json;
    const name: string | undefined = ev.state?.name;
    const type = name ? (local.originalTypes.get(name) ?? ev.state.type) : undefined;
    const task = name ? local.tasks.get(name) : undefined;
    const nested = ev.index !== undefined;
    switch (event.type) {
      case 'StateEntered':
        if (!this.checkPayload(e, `input of the state ${name}`, ev.state.input)) break;
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
        if (task) {
          this.record(
            e,
            task.callback
              ? ev.Error === 'States.Timeout'
                ? 'TaskTimedOut'
                : 'TaskFailed'
              : 'LambdaFunctionFailed',
            {
              [task.callback
                ? ev.Error === 'States.Timeout'
                  ? 'taskTimedOutEventDetails'
                  : 'taskFailedEventDetails'
                : 'lambdaFunctionFailedEventDetails']: {
                ...(task.callback ? CALLBACK_RESOURCE : {}),
                error: ev.Error,
                cause: typeof ev.Cause === 'string' ? ev.Cause : JSON.stringify(ev.Cause),
              },
            },
          );
        } else if (type === 'Map') {
          this.record(e, 'MapStateFailed', {
            mapStateFailedEventDetails: { error: ev.Error, cause: String(ev.Cause ?? '') },
          });
        } else if (type === 'Fail') {
          // the execution failure carries the details
        }
        break;
      case 'StateExited':
        if (!this.checkPayload(e, `output of the state ${name}`, ev.state.output)) break;
        if (task) {
          this.record(e, task.callback ? 'TaskSucceeded' : 'LambdaFunctionSucceeded', {
            [task.callback ? 'taskSucceededEventDetails' : 'lambdaFunctionSucceededEventDetails']: {
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
          [`${event.type.charAt(0).toLowerCase()}${event.type.slice(1)}EventDetails`]: {
            name: ev.parentState?.name,
            index: ev.index,
          },
        });
        break;
      default:
        break;
    }
  }
}
