import type { SFNClient } from '@aws-sdk/client-sfn';

/**
 * A Step Functions double that keeps the rules that matter to start-pipeline: StartExecution
 * with the same name and input on a running execution returns it, anything else under a
 * used name is ExecutionAlreadyExists; StopExecution aborts.
 */
export type FakeExecution = {
  name: string;
  input: string;
  status: 'RUNNING' | 'ABORTED' | 'SUCCEEDED';
};

export const fakeSfn = () => {
  const executions = new Map<string, FakeExecution>();
  const calls: { op: string; input: any }[] = [];
  const fail = (name: string) => Object.assign(new Error(name), { name });
  const client = {
    send: async (command: { constructor: { name: string }; input: any }) => {
      const op = command.constructor.name;
      const input = command.input;
      calls.push({ op, input });
      if (op === 'StartExecutionCommand') {
        const arn = `${input.stateMachineArn.replace(':stateMachine:', ':execution:')}:${input.name}`;
        const existing = executions.get(arn);
        if (existing && !(existing.status === 'RUNNING' && existing.input === input.input))
          throw fail('ExecutionAlreadyExists');
        if (!existing)
          executions.set(arn, { name: input.name, input: input.input, status: 'RUNNING' });
        return { executionArn: arn };
      }
      if (op === 'DescribeExecutionCommand') {
        const e = executions.get(input.executionArn);
        if (!e) throw fail('ExecutionDoesNotExist');
        return { status: e.status };
      }
      if (op === 'StopExecutionCommand') {
        const e = executions.get(input.executionArn);
        if (e) e.status = 'ABORTED';
        return {};
      }
      if (op === 'SendTaskFailureCommand') return {};
      throw new Error(`unexpected ${op}`);
    },
  } as unknown as SFNClient;
  return { client, executions, calls };
};
