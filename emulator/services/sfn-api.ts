import { AwsError, epoch, page, required } from '../http';
import type { StepFunctions } from './sfn';
import { bytes, type Json, MAX_PAYLOAD } from './sfn-model';

/**
 * AWS Step Functions' API (AWS JSON 1.0) over the emulator's state machines and executions.
 * Refusals follow the API reference: ExecutionAlreadyExists, InvalidToken, TaskTimedOut,
 * ExecutionNotRedrivable, …
 */
export const stepFunctionsApi = (sfn: StepFunctions) => ({
  StartExecution: async (body: Json) => sfn.startExecution(body),
  DescribeExecution: async (body: Json) =>
    sfn.describe(sfn.execution(required(body.executionArn, 'executionArn'))),
  ListExecutions: async (body: Json) => {
    const machine = sfn.machine(required(body.stateMachineArn, 'stateMachineArn'));
    const all = [...sfn.executions.values()]
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
    const e = sfn.execution(required(body.executionArn, 'executionArn'));
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
    const e = sfn.execution(required(body.executionArn, 'executionArn'));
    if (e.status !== 'RUNNING')
      throw new AwsError('ValidationException', `Execution ${e.arn} is not running`);
    sfn.finish(e, 'ABORTED', { error: body.error, cause: body.cause });
    e.abort?.();
    return { stopDate: epoch(e.stopDate!) };
  },
  RedriveExecution: async (body: Json) =>
    sfn.redrive(sfn.execution(required(body.executionArn, 'executionArn'))),
  SendTaskSuccess: async (body: Json) => {
    const token = sfn.tokens.open(body.taskToken);
    const output = required(body.output as string, 'output');
    if (bytes(output) > MAX_PAYLOAD)
      throw new AwsError('InvalidOutput', 'The output exceeds the 262144 bytes limit');
    let parsed: unknown;
    try {
      parsed = JSON.parse(output);
    } catch {
      throw new AwsError('InvalidOutput', 'Invalid output: not valid JSON');
    }
    sfn.tokens.settle(token, { output: parsed });
    return {};
  },
  SendTaskFailure: async (body: Json) => {
    const token = sfn.tokens.open(body.taskToken);
    const error = Object.assign(new Error(body.cause ?? ''), {
      name: body.error ?? 'States.TaskFailed',
    });
    sfn.tokens.settle(token, { error });
    return {};
  },
  SendTaskHeartbeat: async (body: Json) => {
    sfn.tokens.open(body.taskToken);
    return {};
  },
  DescribeStateMachine: async (body: Json) => {
    const m = sfn.machine(required(body.stateMachineArn, 'stateMachineArn'));
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
    stateMachines: [...sfn.machines.values()].map((m) => ({
      stateMachineArn: m.arn,
      name: m.name,
      type: 'STANDARD',
      creationDate: epoch(m.createdAt),
    })),
  }),
});
