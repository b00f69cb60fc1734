/**
 * What the Step Functions emulation keeps about state machines and executions, and the
 * Step Functions quotas they are held to (Step Functions developer guide, "Service quotas").
 */
export type Json = any;
export type Definition = { StartAt: string; States: Record<string, Json> };

export type HistoryEvent = {
  id: number;
  previousEventId: number;
  timestamp: number;
  type: string;
  [details: string]: unknown;
};

export type Status = 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT' | 'ABORTED';

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

/** A Task state as the emulator runs it: the function it calls, and whether it waits for a token. */
export type TaskRecord = {
  key: string;
  callback: boolean;
  /** The ASL Parameters, and the parameters the task was last called with. */
  template?: Json;
  parameters?: Json;
  /** The top-level Map state whose iterations run this task (sfn-interpreter.ts: onlyInsideMap). */
  inMap?: string;
};

/** Each state's type in the original definition (Waits run as Tasks locally), and its Task states. */
export type LocalStates = {
  originalTypes: Map<string, string>;
  tasks: Map<string, TaskRecord>;
};

/** Input, output, task results and task-token outputs: at most 256 KB of UTF-8. */
export const MAX_PAYLOAD = 262_144;
/** Events in one execution's history. */
export const HISTORY_LIMIT = 25_000;

export const bytes = (text: string) => Buffer.byteLength(text, 'utf8');
