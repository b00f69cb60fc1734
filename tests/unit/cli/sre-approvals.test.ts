import { DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import {
  DescribeExecutionCommand,
  GetExecutionHistoryCommand,
  SFNClient,
} from '@aws-sdk/client-sfn';
import {
  DynamoDBDocumentClient,
  GetCommand,
  QueryCommand,
  ScanCommand,
} from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import {
  approvalOfWaitingExecution,
  listApprovals,
  showApproval,
  viewOf,
} from '../../../cli/sre/approvals';
import { explainExecution } from '../../../cli/sre/explain-execution';
import { resendLink } from '../../../cli/sre/resend';
import { findStateTable } from '../../../cli/sre/state-table';
import type { ApprovalRecord } from '../../../functions/shared/approval/store';

const dynamo = mockClient(DynamoDBClient);
const doc = mockClient(DynamoDBDocumentClient);
const sfn = mockClient(SFNClient);
const lambda = mockClient(LambdaClient);
const store = () => ({
  dynamo: DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'us-east-1' })),
  table: 'state',
});
const EXECUTION =
  'arn:aws:states:us-east-1:111111111111:execution:edge-mlops-prod-edge-deployment:defect-detector-v8-1234abcd';
const NOW = Date.parse('2026-11-25T12:00:00Z');
const DEADLINE = NOW / 1000 + 3600;

const record = (overrides: Partial<ApprovalRecord> = {}): ApprovalRecord => ({
  approvalId: 'a1',
  status: 'PENDING',
  taskToken: 'secret-task-token',
  executionArn: EXECUTION,
  modelPackageArn: 'arn:aws:sagemaker:us-east-1:111111111111:model-package/defect-detector/8',
  modelPackageGroupName: 'defect-detector',
  modelPackageVersion: 8,
  approvers: ['alice@example.com', 'bob@example.com'],
  quorum: 2,
  deadline: DEADLINE,
  expiresAt: DEADLINE + 400 * 86400,
  createdAt: '2026-11-25T11:00:00.000Z',
  evidence: {},
  approvals: [{ approver: 'alice@example.com', at: '2026-11-25T11:30:00.000Z' }],
  ...overrides,
});

beforeEach(() => {
  dynamo.reset();
  doc.reset();
  sfn.reset();
  lambda.reset();
});

describe('the state table of a stage', () => {
  it('is found across pages by the name CloudFormation gives it, in any case', async () => {
    // Prepare
    dynamo
      .on(ListTablesCommand)
      .resolvesOnce({ TableNames: ['other'], LastEvaluatedTableName: 'other' })
      .resolvesOnce({
        TableNames: ['edge-mlops-prod-StateTable-1A2B3C', 'edge-mlops-dev-statetable-X'],
      });
    // Act
    const table = await findStateTable(new DynamoDBClient({}), 'prod');
    // Assess
    expect(table).toBe('edge-mlops-prod-StateTable-1A2B3C');
    expect(dynamo).toHaveReceivedNthCommandWith(2, ListTablesCommand, {
      ExclusiveStartTableName: 'other',
    });
  });

  it('is the local name on the emulator, the one given with --table, or a precise refusal', async () => {
    // Prepare
    dynamo.on(ListTablesCommand).resolves({ TableNames: ['edge-mlops-local-state-table'] });
    // Act & Assess
    await expect(findStateTable(new DynamoDBClient({}), 'local')).resolves.toBe(
      'edge-mlops-local-state-table',
    );
    await expect(findStateTable(new DynamoDBClient({}), 'prod', 'mine')).resolves.toBe('mine');
    await expect(findStateTable(new DynamoDBClient({}), 'prod')).rejects.toMatchObject({
      name: 'CliError',
      message: expect.stringContaining('no state table of stage prod'),
    });
    dynamo
      .on(ListTablesCommand)
      .resolves({ TableNames: ['edge-mlops-prod-StateTable-A', 'edge-mlops-prod-StateTable-B'] });
    await expect(findStateTable(new DynamoDBClient({}), 'prod')).rejects.toThrow(
      'several state tables of stage prod: edge-mlops-prod-StateTable-A, edge-mlops-prod-StateTable-B; pick one with --table',
    );
  });
});

describe('approvals list', () => {
  it('reads every page of pending approvals and shows approvers, quorum so far, deadline and execution, never the task token', async () => {
    // Prepare
    doc
      .on(ScanCommand)
      .resolvesOnce({
        Items: [record({ approvalId: 'a2', createdAt: '2026-11-25T11:10:00.000Z' })],
        LastEvaluatedKey: { pk: 'x' },
      })
      .resolvesOnce({ Items: [record()] });
    // Act
    const rows = await listApprovals(store(), {}, NOW);
    // Assess
    expect(doc).toHaveReceivedNthCommandWith(1, ScanCommand, {
      FilterExpression: 'begins_with(pk, :p) AND sk = :sk AND #s = :pending',
      ExpressionAttributeValues: { ':p': 'approval#', ':sk': 'approval', ':pending': 'PENDING' },
    });
    expect(doc).toHaveReceivedNthCommandWith(2, ScanCommand, { ExclusiveStartKey: { pk: 'x' } });
    expect(rows.map((r) => r.approvalId)).toEqual(['a1', 'a2']);
    expect(rows[0]).toEqual({
      approvalId: 'a1',
      status: 'PENDING',
      modelGroup: 'defect-detector',
      version: 8,
      execution: 'defect-detector-v8-1234abcd',
      executionArn: EXECUTION,
      approvers: [
        { approver: 'alice@example.com', approvedAt: '2026-11-25T11:30:00.000Z' },
        { approver: 'bob@example.com' },
      ],
      quorum: 2,
      approved: 1,
      createdAt: '2026-11-25T11:00:00.000Z',
      deadline: new Date(DEADLINE * 1000).toISOString(),
      overdue: false,
    });
    expect(JSON.stringify(rows)).not.toContain('secret-task-token');
  });

  it('with --all reads decided approvals too, and marks a pending one past its deadline as overdue', async () => {
    // Prepare
    doc.on(ScanCommand).resolves({ Items: [record({ deadline: NOW / 1000 - 1 })] });
    // Act
    const [row] = await listApprovals(store(), { all: true, modelGroup: 'defect-detector' }, NOW);
    // Assess
    expect(doc).toHaveReceivedCommandWith(ScanCommand, {
      FilterExpression: 'begins_with(pk, :p) AND sk = :sk',
    });
    expect(row).toMatchObject({ overdue: true });
  });
});

describe('approvals show', () => {
  it('shows one approval with its audit trail', async () => {
    // Prepare
    doc.on(GetCommand).resolves({ Item: record() });
    doc.on(QueryCommand).resolves({
      Items: [
        {
          at: '2026-11-25T11:05:00.000Z',
          action: 'viewed',
          approver: 'bob@example.com',
          outcome: 'page shown',
          expiresAt: 1,
        },
      ],
    });
    // Act
    const shown = await showApproval(store(), 'a1', NOW);
    // Assess
    expect(shown).toMatchObject({ approvalId: 'a1', approved: 1, quorum: 2 });
    expect(shown.audit).toEqual([
      {
        at: '2026-11-25T11:05:00.000Z',
        action: 'viewed',
        approver: 'bob@example.com',
        outcome: 'page shown',
      },
    ]);
  });

  it('names an unknown approval and where to find the real ones', async () => {
    // Prepare
    doc.on(GetCommand).resolves({});
    // Act & Assess
    await expect(showApproval(store(), 'nope', NOW)).rejects.toMatchObject({
      name: 'CliError',
      message: 'no approval nope (see edge-mlops approvals list --all)',
    });
  });
});

describe('executions explain at an approval', () => {
  const waitingHistory = {
    events: [
      { id: 1, type: 'ExecutionStarted' as const, timestamp: new Date(NOW) },
      {
        id: 2,
        type: 'TaskStateEntered' as const,
        timestamp: new Date(NOW),
        stateEnteredEventDetails: { name: 'Request Approval' },
      },
    ],
  };

  it('shows the approvers, the quorum so far, the deadline and how to resend a link', async () => {
    // Prepare
    sfn.on(DescribeExecutionCommand).resolves({
      name: 'defect-detector-v8-1234abcd',
      status: 'RUNNING',
      input: JSON.stringify({ modelPackageGroupName: 'defect-detector', modelPackageVersion: 8 }),
    });
    sfn.on(GetExecutionHistoryCommand).resolves(waitingHistory);
    doc
      .on(GetCommand, { Key: { pk: `execution#${EXECUTION}`, sk: 'approval' } })
      .resolves({ Item: { approvalId: 'a1' } })
      .on(GetCommand, { Key: { pk: 'approval#a1', sk: 'approval' } })
      .resolves({ Item: record() });
    // Act
    const x = await explainExecution(new SFNClient({}), EXECUTION, {
      approvalOf: (arn) => approvalOfWaitingExecution(store(), arn, NOW),
    });
    // Assess
    expect(x.waitingForApproval).toMatchObject({
      approvalId: 'a1',
      approvers: [{ approver: 'alice@example.com' }, { approver: 'bob@example.com' }],
      quorum: 2,
      approved: 1,
      deadline: new Date(DEADLINE * 1000).toISOString(),
      resend: 'edge-mlops approvals resend a1 <approver>',
    });
    expect(x.suggestion).toEqual({
      action: 'none',
      command: 'edge-mlops approvals resend a1 <approver>',
      why: `the execution waits at Request Approval for 1 more approval(s) of alice@example.com, bob@example.com until ${new Date(DEADLINE * 1000).toISOString()}; an approver who lost the link gets a fresh one with the command below`,
    });
  });

  it('says a decided approval has not resumed its execution yet, and why', async () => {
    // Prepare
    sfn.on(DescribeExecutionCommand).resolves({ name: 'x', status: 'RUNNING', input: '{}' });
    sfn.on(GetExecutionHistoryCommand).resolves(waitingHistory);
    const decided = record({
      status: 'APPROVED',
      decision: { outcome: 'APPROVED', by: 'alice@example.com', at: '2026-11-25T11:30:00.000Z' },
      delivery: { attempts: 2, lastError: 'ThrottlingException: slow down', lastAttemptAt: 't' },
    });
    // Act
    const x = await explainExecution(new SFNClient({}), EXECUTION, {
      approvalOf: async () => viewOf(decided, NOW),
    });
    // Assess
    expect(x.suggestion).toEqual({
      action: 'none',
      why: 'approval a1 is APPROVED by alice@example.com, but the execution has not resumed yet (Step Functions answered: ThrottlingException: slow down); the approval watchdog resends the decision every 15 minutes — see the runbook, "A decision did not resume its execution"',
    });
  });

  it('does not read the state table for an execution running elsewhere', async () => {
    // Prepare
    sfn.on(DescribeExecutionCommand).resolves({ name: 'x', status: 'RUNNING', input: '{}' });
    sfn.on(GetExecutionHistoryCommand).resolves({
      events: [
        ...waitingHistory.events,
        {
          id: 3,
          type: 'TaskStateExited' as const,
          timestamp: new Date(NOW),
          stateExitedEventDetails: { name: 'Request Approval' },
        },
        {
          id: 4,
          type: 'TaskStateEntered' as const,
          timestamp: new Date(NOW),
          stateEnteredEventDetails: { name: 'Start Wave' },
        },
      ],
    });
    const approvalOf = jest.fn();
    // Act
    const x = await explainExecution(new SFNClient({}), EXECUTION, { approvalOf });
    // Assess
    expect(approvalOf).not.toHaveBeenCalled();
    expect(x.waitingForApproval).toBeUndefined();
    expect(x.suggestion).toEqual({ action: 'none', why: 'the execution is still running' });
  });
});

describe('approvals resend', () => {
  it('asks the stage function to send the link, with a fresh request id each time', async () => {
    // Prepare
    lambda.on(InvokeCommand).resolves({
      Payload: new TextEncoder().encode(
        JSON.stringify({
          sent: true,
          approvalId: 'a1',
          approver: 'bob@example.com',
          deadline: 'd',
          sentAt: 's',
        }),
      ) as never,
    });
    // Act
    const first = await resendLink(new LambdaClient({}), 'edge-mlops-prod-resendApprovalLink', {
      approvalId: 'a1',
      approver: 'bob@example.com',
    });
    await resendLink(new LambdaClient({}), 'edge-mlops-prod-resendApprovalLink', {
      approvalId: 'a1',
      approver: 'bob@example.com',
    });
    // Assess
    expect(first).toMatchObject({ sent: true });
    const payloads = lambda
      .commandCalls(InvokeCommand)
      .map((c) => JSON.parse(new TextDecoder().decode(c.args[0].input.Payload as Uint8Array)));
    expect(lambda).toHaveReceivedCommandWith(InvokeCommand, {
      FunctionName: 'edge-mlops-prod-resendApprovalLink',
      InvocationType: 'RequestResponse',
    });
    expect(payloads[0]).toMatchObject({ approvalId: 'a1', approver: 'bob@example.com' });
    expect(payloads[0].requestId).not.toBe(payloads[1].requestId);
  });

  it('turns a function error into one line naming the function', async () => {
    // Prepare
    lambda.on(InvokeCommand).resolves({
      FunctionError: 'Unhandled',
      Payload: new TextEncoder().encode(
        JSON.stringify({ errorType: 'InvalidInput', errorMessage: 'bad approver' }),
      ) as never,
    });
    // Act & Assess
    await expect(
      resendLink(new LambdaClient({}), 'fn', { approvalId: 'a1', approver: 'x' }),
    ).rejects.toMatchObject({ name: 'CliError', message: 'fn failed: InvalidInput: bad approver' });
  });
});
