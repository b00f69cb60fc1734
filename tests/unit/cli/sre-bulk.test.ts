import {
  DescribeExecutionCommand,
  GetExecutionHistoryCommand,
  ListExecutionsCommand,
  ListStateMachinesCommand,
  RedriveExecutionCommand,
  SFNClient,
} from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { act } from '../../../cli/sre/bulk-action';

// commander is an ES module jest cannot require; the action needs none of its parsing.
jest.mock('commander', () => ({ InvalidArgumentError: class extends Error {} }));

/**
 * `executions redrive --all` and `replay --all` act on every machine of the stage: a failed
 * rollback of a version rejected while live (roll-back-rejected) as well as failed releases.
 */
const sfn = mockClient(SFNClient);
const ARN = 'arn:aws:states:us-east-1:111111111111';
const DEPLOYMENT = `${ARN}:stateMachine:edge-mlops-prod-edge-deployment`;
const ROLLBACK = `${ARN}:stateMachine:edge-mlops-prod-roll-back-rejected`;
const execOf = (machine: string, name: string) =>
  `${machine.replace(':stateMachine:', ':execution:')}:${name}`;
const RELEASE = execOf(DEPLOYMENT, 'defect-detector-v8-105ccc38');
const ROLLBACK_RUN = execOf(ROLLBACK, 'rollback-defect-detector-v8-d215c8c2');

let printed: string[];
beforeEach(() => {
  sfn.reset();
  printed = [];
  jest.spyOn(process.stdout, 'write').mockImplementation((text) => {
    printed.push(String(text));
    return true;
  });
  jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
  sfn.on(ListStateMachinesCommand).resolves({
    stateMachines: [
      { name: 'edge-mlops-prod-edge-deployment', stateMachineArn: DEPLOYMENT } as never,
      { name: 'edge-mlops-prod-roll-back-rejected', stateMachineArn: ROLLBACK } as never,
    ],
  });
  const failed = (executionArn: string, startDate: string) => ({
    executions: [
      {
        executionArn,
        name: executionArn.split(':').pop(),
        status: 'FAILED',
        startDate: new Date(startDate),
        stateMachineArn: executionArn,
      } as never,
    ],
  });
  sfn
    .on(ListExecutionsCommand, { stateMachineArn: DEPLOYMENT })
    .resolves(failed(RELEASE, '2026-11-25T10:00:00Z'));
  sfn
    .on(ListExecutionsCommand, { stateMachineArn: ROLLBACK })
    .resolves(failed(ROLLBACK_RUN, '2026-11-25T11:00:00Z'));
  sfn.on(DescribeExecutionCommand).resolves({
    status: 'FAILED',
    input: JSON.stringify({ modelPackageGroupName: 'defect-detector', modelPackageVersion: 8 }),
  } as never);
  sfn.on(GetExecutionHistoryCommand).resolves({ events: [] });
});
afterEach(() => jest.restoreAllMocks());

describe('executions redrive --all / replay --all', () => {
  it.each(['redrive', 'replay'] as const)(
    '%s --all plans the failed rollback execution as well as the failed release',
    async (kind) => {
      // Prepare
      sfn.on(DescribeExecutionCommand).resolves({
        status: 'FAILED',
        redriveStatus: 'REDRIVABLE',
        input: JSON.stringify({ modelPackageGroupName: 'defect-detector', modelPackageVersion: 8 }),
      } as never);
      // Act
      const code = await act(kind, undefined, {
        all: true,
        dryRun: true,
        json: true,
        stage: 'prod',
      } as never);
      // Assess
      expect(code).toBe(0);
      expect(JSON.parse(printed.join(''))).toEqual({
        dryRun: true,
        plan: [
          { action: kind, execution: 'rollback-defect-detector-v8-d215c8c2' },
          { action: kind, execution: 'defect-detector-v8-105ccc38' },
        ],
      });
    },
  );

  it('redrive --all redrives the rollback execution on its own machine', async () => {
    // Prepare
    sfn.on(RedriveExecutionCommand).resolves({ redriveDate: new Date('2026-11-25T12:00:00Z') });
    sfn.on(DescribeExecutionCommand).resolves({
      status: 'FAILED',
      redriveStatus: 'REDRIVABLE',
      input: JSON.stringify({ modelPackageGroupName: 'defect-detector', modelPackageVersion: 8 }),
    } as never);
    // Act
    const code = await act('redrive', undefined, {
      all: true,
      yes: true,
      json: true,
      stage: 'prod',
    } as never);
    // Assess
    expect(code).toBe(0);
    expect(
      sfn.commandCalls(RedriveExecutionCommand).map((c) => c.args[0].input.executionArn),
    ).toEqual([ROLLBACK_RUN, RELEASE]);
  });

  it('redrive --dry-run runs the real checks: it names what it would skip and why, and changes nothing', async () => {
    // Prepare: the release recorded its failure and ended at its Fail state; the rollback did not.
    sfn.on(DescribeExecutionCommand).resolves({
      status: 'FAILED',
      redriveStatus: 'REDRIVABLE',
      error: 'TransientError',
      input: JSON.stringify({ modelPackageGroupName: 'defect-detector', modelPackageVersion: 8 }),
    } as never);
    sfn.on(GetExecutionHistoryCommand, { executionArn: RELEASE }).resolves({
      events: [
        {
          type: 'FailStateEntered',
          stateEnteredEventDetails: { name: 'Pipeline Failed' },
        } as never,
      ],
    });
    // Act
    const code = await act('redrive', undefined, {
      all: true,
      dryRun: true,
      stage: 'prod',
    } as never);
    // Assess
    expect(code).toBe(0);
    const text = printed.join('');
    expect(text).toContain('would redrive 1 execution(s):\n  rollback-defect-detector-v8-d215c8c2');
    expect(text).toMatch(
      /would skip 1 execution\(s\):\n {2}defect-detector-v8-105ccc38 {2}ended at its Fail state Pipeline Failed/,
    );
    expect(sfn.commandCalls(RedriveExecutionCommand)).toHaveLength(0);
  });
});
