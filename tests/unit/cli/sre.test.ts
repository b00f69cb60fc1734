import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import {
  DescribeExecutionCommand,
  GetExecutionHistoryCommand,
  ListExecutionsCommand,
  ListStateMachinesCommand,
  RedriveExecutionCommand,
  SFNClient,
  StartExecutionCommand,
} from '@aws-sdk/client-sfn';
import { DeleteMessageCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import { listDeadLetters, replayDeadLetter } from '../../../cli/sre/dlq';
import {
  explainExecution,
  findStateMachine,
  listExecutions,
  parseSince,
  redriveExecution,
  replayExecution,
} from '../../../cli/sre/executions';
import { table } from '../../../cli/sre/format';
import { ERROR_TAXONOMY } from '../../../functions/shared/error-taxonomy';

const sfn = mockClient(SFNClient);
const sqs = mockClient(SQSClient);
const lambda = mockClient(LambdaClient);
const MACHINE =
  'arn:aws:states:us-east-1:111111111111:stateMachine:edge-mlops-prod-edge-deployment';
const exec = (name: string) =>
  `arn:aws:states:us-east-1:111111111111:execution:edge-mlops-prod-edge-deployment:${name}`;
const input = (group: string, version: number) =>
  JSON.stringify({
    modelPackageGroupName: group,
    modelPackageVersion: version,
    modelPackageArn: `arn:aws:sagemaker:us-east-1:111111111111:model-package/${group}/${version}`,
  });
const client = () => new SFNClient({ region: 'us-east-1' });

beforeEach(() => {
  sfn.reset();
  sqs.reset();
  lambda.reset();
});

describe('executions list', () => {
  it('reads every page and shows group, version, status and the failed state', async () => {
    // Prepare
    sfn
      .on(ListExecutionsCommand)
      .resolvesOnce({
        executions: [
          {
            executionArn: exec('a'),
            name: 'a',
            status: 'FAILED',
            startDate: new Date('2026-11-25T10:00:00Z'),
            stopDate: new Date('2026-11-25T10:30:00Z'),
            stateMachineArn: MACHINE,
          },
        ],
        nextToken: 'p2',
      })
      .resolvesOnce({
        executions: [
          {
            executionArn: exec('b'),
            name: 'b',
            status: 'SUCCEEDED',
            startDate: new Date('2026-11-25T11:00:00Z'),
            stateMachineArn: MACHINE,
          },
        ],
      });
    sfn
      .on(DescribeExecutionCommand, { executionArn: exec('a') })
      .resolves({ input: input('det', 7), status: 'FAILED' } as never);
    sfn
      .on(DescribeExecutionCommand, { executionArn: exec('b') })
      .resolves({ input: input('det', 8), status: 'SUCCEEDED' } as never);
    sfn.on(GetExecutionHistoryCommand).resolves({
      events: [
        {
          id: 3,
          type: 'TaskStateEntered',
          timestamp: new Date(),
          stateEnteredEventDetails: { name: 'Deploy To Twin' },
        },
        {
          id: 2,
          type: 'TaskStateExited',
          timestamp: new Date(),
          stateExitedEventDetails: { name: 'Register Inference Component' },
        },
      ],
    } as never);
    // Act
    const rows = await listExecutions(client(), MACHINE, {});
    // Assess
    expect(sfn).toHaveReceivedCommandTimes(ListExecutionsCommand, 2);
    expect(sfn.commandCalls(ListExecutionsCommand)[1]!.args[0].input.nextToken).toBe('p2');
    expect(rows).toEqual([
      {
        name: 'a',
        executionArn: exec('a'),
        modelGroup: 'det',
        version: 7,
        status: 'FAILED',
        failedState: 'Deploy To Twin',
        startDate: '2026-11-25T10:00:00.000Z',
        durationSeconds: 1800,
      },
      {
        name: 'b',
        executionArn: exec('b'),
        modelGroup: 'det',
        version: 8,
        status: 'SUCCEEDED',
        startDate: '2026-11-25T11:00:00.000Z',
      },
    ]);
  });

  it('filters by start time and model group', async () => {
    // Prepare
    sfn.on(ListExecutionsCommand).resolves({
      executions: [
        {
          executionArn: exec('old'),
          name: 'old',
          status: 'FAILED',
          startDate: new Date('2026-11-01T00:00:00Z'),
          stateMachineArn: MACHINE,
        },
        {
          executionArn: exec('other'),
          name: 'other',
          status: 'FAILED',
          startDate: new Date('2026-11-25T00:00:00Z'),
          stateMachineArn: MACHINE,
        },
      ],
    });
    sfn.on(DescribeExecutionCommand).resolves({ input: input('another-group', 3) } as never);
    // Act
    const rows = await listExecutions(client(), MACHINE, {
      since: new Date('2026-11-24T00:00:00Z'),
      modelGroup: 'det',
    });
    // Assess
    expect(rows).toEqual([]);
  });

  it('reads --since as a duration or a date, and refuses anything else', () => {
    expect(parseSince('24h', Date.parse('2026-11-25T12:00:00Z')).toISOString()).toBe(
      '2026-11-24T12:00:00.000Z',
    );
    expect(parseSince('2026-11-20T00:00:00Z').toISOString()).toBe('2026-11-20T00:00:00.000Z');
    expect(() => parseSince('yesterday')).toThrow(
      '--since yesterday: give a duration like 24h, 30m, 7d or an ISO date',
    );
  });

  it('finds the state machine of a stage across pages, or says it is missing', async () => {
    // Prepare
    sfn
      .on(ListStateMachinesCommand)
      .resolvesOnce({
        stateMachines: [
          { name: 'x', stateMachineArn: 'arn:x', type: 'STANDARD', creationDate: new Date() },
        ],
        nextToken: 't',
      })
      .resolvesOnce({
        stateMachines: [
          {
            name: 'edge-mlops-prod-edge-deployment',
            stateMachineArn: MACHINE,
            type: 'STANDARD',
            creationDate: new Date(),
          },
        ],
      });
    // Act & Assess
    await expect(findStateMachine(client(), 'prod')).resolves.toBe(MACHINE);
    sfn.on(ListStateMachinesCommand).resolves({ stateMachines: [] });
    await expect(findStateMachine(client(), 'qa')).rejects.toThrow(
      'no state machine named edge-mlops-qa-edge-deployment',
    );
  });
});

describe('executions explain', () => {
  it('names the failed state, the recorded error and cause, and suggests what to do', async () => {
    // Prepare
    sfn.on(DescribeExecutionCommand).resolves({
      name: 'a',
      status: 'FAILED',
      input: input('det', 7),
      error: 'CompilationFailed',
      cause: 'x',
      redriveStatus: 'REDRIVABLE',
      redriveCount: 0,
    } as never);
    sfn.on(GetExecutionHistoryCommand).resolves({
      events: [
        { id: 1, type: 'ExecutionStarted', timestamp: new Date() },
        {
          id: 2,
          type: 'TaskStateEntered',
          timestamp: new Date(),
          stateEnteredEventDetails: { name: 'Resolve Model', input: '{}' },
        },
        {
          id: 3,
          type: 'TaskStateExited',
          timestamp: new Date(),
          stateExitedEventDetails: { name: 'Resolve Model', output: '{}' },
        },
        {
          id: 4,
          type: 'MapStateEntered',
          timestamp: new Date(),
          stateEnteredEventDetails: { name: 'Build Targets', input: '{"plan":{}}' },
        },
        {
          id: 5,
          type: 'TaskStateEntered',
          timestamp: new Date(),
          stateEnteredEventDetails: {
            name: 'Record Failure',
            input: JSON.stringify({
              error: {
                Error: 'CompilationFailed',
                Cause: JSON.stringify({ errorMessage: 'compilation job j FAILED: bad shape' }),
              },
            }),
          },
        },
        { id: 6, type: 'ExecutionFailed', timestamp: new Date() },
      ],
    } as never);
    // Act
    const x = await explainExecution(client(), exec('a'));
    // Assess
    expect(x).toMatchObject({
      failedState: 'Build Targets',
      error: 'CompilationFailed',
      cause: 'compilation job j FAILED: bad shape',
      lastSuccessfulState: 'Resolve Model',
      suggestion: { action: 'reject-model' },
    });
  });

  it('suggests a redrive for a transient failure left uncaught at its task', async () => {
    // Prepare
    sfn.on(DescribeExecutionCommand).resolves({
      name: 'a',
      status: 'FAILED',
      input: input('det', 7),
      error: 'TransientError',
      cause: '{"errorMessage":"throttled"}',
      redriveStatus: 'REDRIVABLE',
    } as never);
    sfn.on(GetExecutionHistoryCommand).resolves({
      events: [
        {
          id: 1,
          type: 'TaskStateEntered',
          timestamp: new Date(),
          stateEnteredEventDetails: { name: 'Deploy To Twin', input: '{"a":1}' },
        },
      ],
    } as never);
    // Act
    const x = await explainExecution(client(), exec('a'));
    // Assess
    expect(x).toMatchObject({
      failedState: 'Deploy To Twin',
      cause: 'throttled',
      failedInput: { a: 1 },
      suggestion: { action: 'redrive', command: 'edge-mlops executions redrive a' },
    });
  });

  it('suggests a replay, not a redrive, for a transient failure the rollout rolled back and recorded', async () => {
    // Prepare
    sfn.on(DescribeExecutionCommand).resolves({
      name: 'a',
      status: 'FAILED',
      input: input('det', 7),
      error: 'TransientError',
      cause: 'x',
      redriveStatus: 'REDRIVABLE',
    } as never);
    sfn.on(GetExecutionHistoryCommand).resolves({
      events: [
        {
          id: 1,
          type: 'MapStateEntered',
          timestamp: new Date(),
          stateEnteredEventDetails: { name: 'Roll Out Fleets', input: '{}' },
        },
        {
          id: 2,
          type: 'TaskStateEntered',
          timestamp: new Date(),
          stateEnteredEventDetails: {
            name: 'Record Failure',
            input: JSON.stringify({
              error: {
                Error: 'TransientError',
                Cause: 'ListCoreDevices unavailable; rolled back …',
              },
            }),
          },
        },
      ],
    } as never);
    // Act
    const x = await explainExecution(client(), exec('a'));
    // Assess
    expect(x).toMatchObject({
      error: 'TransientError',
      suggestion: { action: 'replay', command: 'edge-mlops executions replay a' },
    });
  });
});

/**
 * One failed execution `a` of version 7 whose history is these state events (type, state
 * name, and the state's input where it matters), as list and explain read it.
 */
const failedExecutionWithHistory = (
  names: readonly (readonly [string, string, string?])[],
  error: string,
) => {
  const events = names.map(([type, name, stateInput], i) => ({
    id: i + 1,
    type,
    timestamp: new Date(),
    ...(type.endsWith('Entered')
      ? { stateEnteredEventDetails: { name, input: stateInput ?? '{}' } }
      : { stateExitedEventDetails: { name, output: '{}' } }),
  }));
  sfn.on(ListExecutionsCommand).resolves({
    executions: [
      {
        executionArn: exec('a'),
        name: 'a',
        status: 'FAILED',
        startDate: new Date('2026-11-25T10:00:00Z'),
        stateMachineArn: MACHINE,
      },
    ],
  });
  sfn.on(DescribeExecutionCommand).resolves({
    name: 'a',
    status: 'FAILED',
    input: input('det', 7),
    error,
    redriveStatus: 'REDRIVABLE',
  } as never);
  sfn.on(GetExecutionHistoryCommand).resolves({ events } as never);
  sfn
    .on(GetExecutionHistoryCommand, { reverseOrder: true })
    .resolves({ events: [...events].reverse() } as never);
};

describe('executions list and explain agree on the failed state', () => {
  it('name the state where a rolled-back rollout failed and the one that succeeded before it, not the states that recorded it', async () => {
    // Prepare: Start Wave failed; the catch rolled back and Record Failure ended the run.
    const names = [
      ['TaskStateEntered', 'Check Still Current'],
      ['TaskStateExited', 'Check Still Current'],
      ['MapStateEntered', 'Roll Out Fleets'],
      ['TaskStateEntered', 'Start Wave'],
      ['TaskStateEntered', 'Roll Back Fleets'],
      ['TaskStateExited', 'Roll Back Fleets'],
      ['TaskStateEntered', 'Check Rollback'],
      ['TaskStateExited', 'Check Rollback'],
      ['PassStateEntered', 'Rollout Failed'],
      ['PassStateExited', 'Rollout Failed'],
      [
        'TaskStateEntered',
        'Record Failure',
        JSON.stringify({ error: { Error: 'TransientError', Cause: 'CreateDeployment failed' } }),
      ],
      ['TaskStateExited', 'Record Failure'],
      ['ChoiceStateEntered', 'Failure Kind?'],
      ['ChoiceStateExited', 'Failure Kind?'],
      ['FailStateEntered', 'Pipeline Failed'],
    ] as const;
    failedExecutionWithHistory(names, 'TransientError');
    // Act
    const [row] = await listExecutions(client(), MACHINE, {});
    const explained = await explainExecution(client(), exec('a'));
    // Assess
    expect(row?.failedState).toBe('Start Wave');
    expect(explained.failedState).toBe('Start Wave');
    // The last state that succeeded before it, not one of those that recorded the failure.
    expect(explained.lastSuccessfulState).toBe('Check Still Current');
  });
});

describe('executions list and explain name the Fail state of an aborted wave', () => {
  it('not the next iteration the Map started before it stopped, nor the Map itself', async () => {
    // Prepare: the canary wave's verdict was ABORTED (Fail state Wave Aborted inside the
    // Map); the Map had already entered Start Wave of the next wave; the catch rolled back.
    const names = [
      ['TaskStateEntered', 'Check Still Current'],
      ['TaskStateExited', 'Check Still Current'],
      ['MapStateEntered', 'Roll Out Fleets'],
      ['TaskStateEntered', 'Start Wave'],
      ['TaskStateExited', 'Start Wave'],
      ['TaskStateEntered', 'Check Wave'],
      ['TaskStateExited', 'Check Wave'],
      ['ChoiceStateEntered', 'Wave Verdict?'],
      ['ChoiceStateExited', 'Wave Verdict?'],
      ['FailStateEntered', 'Wave Aborted'],
      ['TaskStateEntered', 'Start Wave'],
      ['MapStateExited', 'Roll Out Fleets'],
      ['TaskStateEntered', 'Roll Back Fleets'],
      ['TaskStateExited', 'Roll Back Fleets'],
      ['PassStateEntered', 'Rollout Failed'],
      ['PassStateExited', 'Rollout Failed'],
      [
        'TaskStateEntered',
        'Record Failure',
        JSON.stringify({ error: { Error: 'RolloutAborted', Cause: 'wave canary ABORTED' } }),
      ],
      ['TaskStateExited', 'Record Failure'],
      ['FailStateEntered', 'Pipeline Failed'],
    ] as const;
    failedExecutionWithHistory(names, 'RolloutAborted');
    // Act
    const [row] = await listExecutions(client(), MACHINE, {});
    const explained = await explainExecution(client(), exec('a'));
    // Assess
    expect(row?.failedState).toBe('Wave Aborted');
    expect(explained.failedState).toBe('Wave Aborted');
    expect(explained.lastSuccessfulState).toBe('Wave Verdict?');
  });
});

describe('executions redrive', () => {
  it('redrives a redrivable execution', async () => {
    // Prepare
    sfn
      .on(DescribeExecutionCommand)
      .resolves({ name: 'a', status: 'FAILED', redriveStatus: 'REDRIVABLE' } as never);
    sfn.on(RedriveExecutionCommand).resolves({ redriveDate: new Date('2026-11-25T12:00:00Z') });
    // It failed at a task (its error was not caught): a redrive resumes there.
    sfn.on(GetExecutionHistoryCommand).resolves({
      events: [
        {
          id: 5,
          type: 'TaskStateEntered',
          timestamp: new Date(),
          stateEnteredEventDetails: { name: 'Deploy To Twin' },
        },
      ],
    } as never);
    // Act & Assess
    await expect(redriveExecution(client(), exec('a'))).resolves.toMatchObject({
      ok: true,
      detail: 'redriven at 2026-11-25T12:00:00.000Z',
    });
  });

  it.each([
    ['Execution is SUCCEEDED and cannot be redriven'],
    ['Execution redrivable period exceeded'],
    ['Execution history event limit exceeded'],
  ])('explains why it cannot redrive (%s) and offers replay', async (reason) => {
    // Prepare
    sfn.on(DescribeExecutionCommand).resolves({
      name: 'a',
      status: 'FAILED',
      redriveStatus: 'NOT_REDRIVABLE',
      redriveStatusReason: reason,
    } as never);
    // Act
    const result = await redriveExecution(client(), exec('a'));
    // Assess
    expect(result).toEqual({
      execution: 'a',
      ok: false,
      action: 'redrive',
      detail: `not redrivable: ${reason}; try: edge-mlops executions replay a`,
    });
    expect(sfn).not.toHaveReceivedCommand(RedriveExecutionCommand);
  });
});

describe('executions redrive of an execution that recorded its failure', () => {
  it.each([
    ['ApprovalRejected', 'Pipeline Failed', 'approve a new (or this) version in the registry'],
    ['RolloutAborted', 'Pipeline Failed', 'reject this version in the registry'],
    ['TransientError', 'Pipeline Failed', 'edge-mlops executions replay a'],
  ])(
    'does not redrive %s into its final Fail state again, and says what to do instead',
    async (error, failState, advice) => {
      // Prepare: Record Failure ran and the execution ended at its Fail state.
      sfn.on(DescribeExecutionCommand).resolves({
        name: 'a',
        status: 'FAILED',
        error,
        redriveStatus: 'REDRIVABLE',
      } as never);
      sfn.on(GetExecutionHistoryCommand).resolves({
        events: [
          {
            id: 9,
            type: 'FailStateEntered',
            timestamp: new Date(),
            stateEnteredEventDetails: { name: failState },
          },
          {
            id: 8,
            type: 'TaskStateExited',
            timestamp: new Date(),
            stateExitedEventDetails: { name: 'Record Failure' },
          },
        ],
      } as never);
      // Act
      const result = await redriveExecution(client(), exec('a'));
      // Assess
      expect(result).toMatchObject({ execution: 'a', ok: false, action: 'skip' });
      expect(result.detail).toContain(
        `ended at its Fail state ${failState} after recording ${error}: a redrive would only fail there again`,
      );
      expect(result.detail).toContain(advice);
      expect(sfn).not.toHaveReceivedCommand(RedriveExecutionCommand);
    },
  );
});

describe('executions replay', () => {
  it('starts a traceable -replay-N execution with the same input', async () => {
    // Prepare
    sfn.on(DescribeExecutionCommand).resolves({
      name: 'det-v7-abc',
      status: 'FAILED',
      input: input('det', 7),
      startDate: new Date('2026-11-25T10:00:00Z'),
    } as never);
    sfn.on(ListExecutionsCommand).resolves({ executions: [] });
    sfn
      .on(StartExecutionCommand)
      .rejectsOnce(Object.assign(new Error('exists'), { name: 'ExecutionAlreadyExists' }))
      .resolves({ executionArn: exec('det-v7-abc-replay-2') });
    // Act
    const result = await replayExecution(client(), MACHINE, exec('det-v7-abc'));
    // Assess
    expect(result).toMatchObject({ ok: true, detail: 'started det-v7-abc-replay-2' });
    expect(sfn).toHaveReceivedCommandWith(StartExecutionCommand, {
      name: 'det-v7-abc-replay-2',
      input: input('det', 7),
    });
  });

  it('refuses to replay an execution superseded by a newer version, unless forced', async () => {
    // Prepare
    sfn.on(DescribeExecutionCommand, { executionArn: exec('det-v7') }).resolves({
      name: 'det-v7',
      input: input('det', 7),
      startDate: new Date('2026-11-25T10:00:00Z'),
    } as never);
    sfn
      .on(DescribeExecutionCommand, { executionArn: exec('det-v8') })
      .resolves({ name: 'det-v8', input: input('det', 8), status: 'SUCCEEDED' } as never);
    sfn.on(ListExecutionsCommand).resolves({
      executions: [
        {
          executionArn: exec('det-v8'),
          name: 'det-v8',
          status: 'SUCCEEDED',
          startDate: new Date('2026-11-25T11:00:00Z'),
          stateMachineArn: MACHINE,
        },
      ],
    });
    sfn.on(StartExecutionCommand).resolves({ executionArn: exec('det-v7-replay-1') });
    // Act
    const refused = await replayExecution(client(), MACHINE, exec('det-v7'));
    const forced = await replayExecution(client(), MACHINE, exec('det-v7'), { force: true });
    // Assess
    expect(refused).toEqual({
      execution: 'det-v7',
      ok: false,
      action: 'skip',
      detail: 'superseded by det-v8 (version 8); use --force to replay anyway',
    });
    expect(forced).toMatchObject({ ok: true, detail: 'started det-v7-replay-1' });
  });
  it.each([
    ['ConfigError', 'FAILED', 'fix-config'],
    ['InvalidInput', 'FAILED', 'fix-config'],
    ['TwinTestsFailed', 'FAILED', 'reject-model'],
    ['ModelRejected', 'ABORTED', 'approve-new-version'],
  ])(
    'explains %s (%s) with the action and advice of the error taxonomy',
    async (error, status, action) => {
      // Prepare
      sfn.on(DescribeExecutionCommand).resolves({
        name: 'det-v7',
        status,
        error,
        input: input('det', 7),
        startDate: new Date('2026-11-25T10:00:00Z'),
        redriveStatus: 'REDRIVABLE',
      } as never);
      sfn.on(GetExecutionHistoryCommand).resolves({ events: [] } as never);
      // Act
      const explained = await explainExecution(client(), exec('det-v7'));
      // Assess
      expect(explained.suggestion).toMatchObject({ action });
      expect(explained.suggestion.why).toBe(
        `${error}: ${(ERROR_TAXONOMY as Record<string, { advice: string }>)[error]!.advice}`,
      );
    },
  );
  it.each(['ApprovalRejected', 'ModelNotApproved', 'ModelRejected'])(
    'refuses to replay a version decided against (%s), unless forced, and explain says to approve a new version',
    async (error) => {
      // Prepare
      sfn.on(DescribeExecutionCommand).resolves({
        name: 'det-v7',
        status: 'FAILED',
        error,
        input: input('det', 7),
        startDate: new Date('2026-11-25T10:00:00Z'),
        redriveStatus: 'REDRIVABLE',
      } as never);
      sfn.on(GetExecutionHistoryCommand).resolves({ events: [] } as never);
      sfn.on(ListExecutionsCommand).resolves({ executions: [] });
      sfn.on(StartExecutionCommand).resolves({ executionArn: exec('det-v7-replay-1') });
      // Act
      const explained = await explainExecution(client(), exec('det-v7'));
      const refused = await replayExecution(client(), MACHINE, exec('det-v7'));
      const forced = await replayExecution(client(), MACHINE, exec('det-v7'), { force: true });
      // Assess
      expect(explained.suggestion).toMatchObject({ action: 'approve-new-version' });
      expect(explained.suggestion.why).toContain('approve a new (or this) version in the registry');
      expect(refused).toMatchObject({ ok: false, action: 'skip' });
      expect(refused.detail).toContain('use --force to replay anyway');
      expect(forced).toMatchObject({ ok: true, detail: 'started det-v7-replay-1' });
      expect(sfn).toHaveReceivedCommandTimes(StartExecutionCommand, 1);
    },
  );
});

describe('dlq', () => {
  const record = {
    requestPayload: {
      id: 'e1',
      detail: { ModelPackageArn: 'arn:m/7', ModelApprovalStatus: 'Approved' },
    },
    requestContext: { condition: 'RetriesExhausted' },
    responsePayload: {
      errorType: 'InvalidEvent',
      errorMessage: 'malformed model package event e1: detail.ModelPackageVersion: expected number',
    },
  };

  it('lists dead letters with the error and the event, without consuming them', async () => {
    // Prepare
    sqs
      .on(ReceiveMessageCommand)
      .resolvesOnce({
        Messages: [
          {
            MessageId: 'm1',
            ReceiptHandle: 'r1',
            Body: JSON.stringify(record),
            Attributes: { SentTimestamp: '1795600000000', ApproximateReceiveCount: '1' },
          },
        ],
      })
      .resolves({ Messages: [] });
    // Act
    const letters = await listDeadLetters(new SQSClient({}), 'q', 10);
    // Assess
    expect(letters).toEqual([
      expect.objectContaining({
        messageId: 'm1',
        eventId: 'e1',
        status: 'Approved',
        error: 'InvalidEvent',
        reason: 'malformed model package event e1: detail.ModelPackageVersion: expected number',
        event: record.requestPayload,
      }),
    ]);
    expect(sqs).toHaveReceivedCommandWith(ReceiveMessageCommand, { VisibilityTimeout: 0 });
  });

  it('re-delivers into start-pipeline and deletes the message only when it was accepted', async () => {
    // Prepare
    const letter = {
      messageId: 'm1',
      receiptHandle: 'r1',
      receiveCount: 1,
      event: record.requestPayload,
    };
    lambda
      .on(InvokeCommand)
      .resolvesOnce({
        FunctionError: 'Unhandled',
        Payload: new TextEncoder().encode('{"errorType":"InvalidEvent"}') as never,
      })
      .resolves({
        Payload: new TextEncoder().encode(
          '{"decision":"started","executionName":"det-v7-x"}',
        ) as never,
      });
    // Act
    const failed = await replayDeadLetter(
      { sqs: new SQSClient({}), lambda: new LambdaClient({}) },
      'q',
      'edge-mlops-prod-startPipeline',
      letter,
    );
    const ok = await replayDeadLetter(
      { sqs: new SQSClient({}), lambda: new LambdaClient({}) },
      'q',
      'edge-mlops-prod-startPipeline',
      letter,
    );
    // Assess
    expect(failed).toMatchObject({ ok: false, detail: expect.stringContaining('still failing') });
    expect(ok).toEqual({ messageId: 'm1', ok: true, detail: 'started det-v7-x' });
    expect(sqs).toHaveReceivedCommandTimes(DeleteMessageCommand, 1);
  });
});

describe('table', () => {
  it('aligns columns under upper-case headers', () => {
    expect(
      table(
        [
          { a: 'x', b: 1 },
          { a: 'longer', b: 22 },
        ],
        ['a', 'b'],
      ),
    ).toBe('A       B\nx       1\nlonger  22');
  });
});
