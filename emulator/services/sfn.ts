import type { VirtualClock } from '../clock';
import { AwsError, epoch, required } from '../http';
import type { FunctionRuntime } from '../runtime/functions';
import { type Activity, NO_ACTIVITY } from '../warp';
import { stepFunctionsApi } from './sfn-api';
import { ExecutionHistory } from './sfn-history';
import { runExecution } from './sfn-interpreter';
import {
  bytes,
  type Definition,
  type Execution,
  HISTORY_LIMIT,
  type HistoryEvent,
  type Json,
  MAX_PAYLOAD,
  type StateMachineRecord,
  type Status,
} from './sfn-model';
import { TaskTokens } from './sfn-tokens';

export type { Execution, HistoryEvent, StateMachineRecord } from './sfn-model';

/**
 * AWS Step Functions running the project's real ASL with aws-local-stepfunctions: state
 * machines and the life of their executions (start, stop, redrive, the quotas that end
 * them). The API is sfn-api.ts, task tokens sfn-tokens.ts, the interpreter bridge
 * sfn-interpreter.ts (Wait states and retry intervals on the virtual clock), the history
 * sfn-history.ts.
 */

// StartExecution name: 1–80 characters, none of whitespace, brackets, wildcards, these
// punctuation marks or control characters (API reference, StartExecution).
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what it refuses
const INVALID_NAME = /[\s<>{}[\]?*"#%\\^|~`$&,;:/\u0000-\u001f\u007f-\u009f]/;
const REDRIVE_WINDOW_MS = 14 * 24 * 3600 * 1000;

export type SfnOptions = {
  /** Fail every task-token wait at once with States.Timeout (simulate --approval-timeout). */
  approvalTimeout: () => boolean;
  onExecutionEvent?: (execution: Execution, event: HistoryEvent) => void;
  /** Held during the interpreter's retry pauses (real timers the time warp cannot see). */
  activity?: Activity;
};

export class StepFunctions {
  readonly machines = new Map<string, StateMachineRecord>();
  readonly executions = new Map<string, Execution>();
  readonly tokens: TaskTokens;
  private readonly history: ExecutionHistory;
  private readonly activity: Activity;

  constructor(
    private readonly clock: VirtualClock,
    private readonly functions: FunctionRuntime,
    private readonly region: string,
    private readonly account: string,
    options: SfnOptions,
  ) {
    this.tokens = new TaskTokens(clock, options.approvalTimeout);
    this.activity = options.activity ?? NO_ACTIVITY;
    this.history = new ExecutionHistory(clock, region, {
      onEvent: options.onExecutionEvent,
      stopForLimit: (e, error, cause) => this.stopForLimit(e, error, cause),
      checkPayload: (e, what, value) => this.checkPayload(e, what, value),
    });
  }

  api() {
    return stepFunctionsApi(this);
  }

  createStateMachine(name: string, definition: Definition, roleArn: string): StateMachineRecord {
    const arn = `arn:aws:states:${this.region}:${this.account}:stateMachine:${name}`;
    const record = { arn, name, definition, roleArn, createdAt: this.clock.now() };
    this.machines.set(arn, record);
    return record;
  }

  machine(arn: string) {
    const m = this.machines.get(arn);
    if (!m)
      throw new AwsError('StateMachineDoesNotExist', `State Machine Does Not Exist: '${arn}'`);
    return m;
  }

  execution(arn: string) {
    const e = this.executions.get(arn);
    if (!e) throw new AwsError('ExecutionDoesNotExist', `Execution Does Not Exist: '${arn}'`);
    return e;
  }

  startExecution(body: Json) {
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
    this.history.record(execution, 'ExecutionStarted', {
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

  redrive(e: Execution) {
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
    this.history.record(e, 'ExecutionRedriven', {
      executionRedrivenEventDetails: { redriveCount: e.redriveCount },
    });
    const { name, input } = e.current!;
    e.done = this.run(e, machine, name, input);
    return { redriveDate: epoch(e.redriveDate) };
  }

  finish(
    e: Execution,
    status: Status,
    details: { output?: unknown; error?: string; cause?: string },
  ) {
    if (e.status !== 'RUNNING') return;
    e.status = status;
    e.stopDate = this.clock.now();
    this.tokens.closeAll(e.arn);
    if (status === 'SUCCEEDED') {
      e.output = JSON.stringify(details.output ?? null);
      this.history.record(e, 'ExecutionSucceeded', {
        executionSucceededEventDetails: { output: e.output },
      });
      return;
    }
    e.error = details.error;
    e.cause = details.cause;
    const type = status === 'ABORTED' ? 'ExecutionAborted' : 'ExecutionFailed';
    this.history.record(e, type, {
      [status === 'ABORTED' ? 'executionAbortedEventDetails' : 'executionFailedEventDetails']: {
        error: details.error,
        cause: details.cause,
      },
    });
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

  private run(e: Execution, machine: StateMachineRecord, startAt: string, input: unknown) {
    return runExecution(
      {
        clock: this.clock,
        functions: this.functions,
        tokens: this.tokens,
        history: this.history,
        activity: this.activity,
        checkPayload: (ex, what, value) => this.checkPayload(ex, what, value),
        finish: (ex, status, details) => this.finish(ex, status, details),
      },
      e,
      machine,
      startAt,
      input,
    );
  }
}
