import { Metrics } from '@aws-lambda-powertools/metrics';
import {
  DescribeExecutionCommand,
  GetExecutionHistoryCommand,
  SendTaskSuccessCommand,
  SFNClient,
} from '@aws-sdk/client-sfn';
import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { approvalWatchdog } from '../../../functions/approval-watchdog/approval-watchdog';
import { type LocalTable, startLocalTable } from '../../helpers/dynalite';
import { localStageConfig, silentLogger } from '../../helpers/fixtures';

let db: LocalTable;
beforeAll(async () => {
  db = await startLocalTable();
});
afterAll(() => db.close());

const NOW = Date.parse('2026-11-25T12:00:00Z');
const approval = (id: string, createdAt: string, status = 'PENDING') => ({
  pk: `approval#${id}`,
  sk: 'approval',
  approvalId: id,
  status,
  modelPackageGroupName: 'defect-detector',
  modelPackageVersion: 7,
  createdAt,
  expiresAt: NOW / 1000 + 3600,
});

describe('approvalWatchdog', () => {
  it('counts pending approvals older than the profile reminder period, and only those', async () => {
    // Prepare (reminderHours is 24 in config/local.yml)
    for (const item of [
      approval('old', '2026-11-24T06:00:00Z'),
      approval('fresh', '2026-11-25T06:00:00Z'),
      approval('decided', '2026-11-23T06:00:00Z', 'APPROVED'),
    ]) {
      await db.doc.send(new PutCommand({ TableName: db.table, Item: item }));
    }
    const metrics = new Metrics({ namespace: 'edge-mlops', serviceName: 'approval-watchdog' });
    const add = jest.spyOn(metrics, 'addMetric');
    // Act
    const result = await approvalWatchdog({
      store: { dynamo: db.doc, table: db.table },
      sfn: new SFNClient({}),
      metrics,
      logger: silentLogger(),
      now: () => new Date(NOW),
      config: { stageConfig: localStageConfig() },
    });
    // Assess
    expect(result.overdue).toEqual([
      { approvalId: 'old', modelPackageGroupName: 'defect-detector', version: 7, pendingHours: 30 },
    ]);
    expect(add).toHaveBeenCalledWith('PendingApprovalsOverdue', 'Count', 1);
  });

  it('resends decisions whose execution did not resume, and counts those that still did not', async () => {
    // Prepare: two approvals decided while Step Functions failed; one send now works.
    const sfn = mockClient(SFNClient);
    const decided = (id: string, token: string) => ({
      ...approval(id, '2026-11-25T06:00:00Z', 'APPROVED'),
      taskToken: token,
      executionArn: `arn:aws:states:us-east-1:000000000000:execution:m:${id}`,
      decision: { outcome: 'APPROVED', by: 'alice@example.com', at: '2026-11-25T07:00:00Z' },
      outbox: { kind: 'success', output: '{"approved":true}' },
    });
    for (const item of [decided('stuck', 'token-stuck'), decided('healed', 'token-healed')])
      await db.doc.send(new PutCommand({ TableName: db.table, Item: item }));
    sfn
      .on(SendTaskSuccessCommand, { taskToken: 'token-healed' })
      .resolves({})
      .on(SendTaskSuccessCommand, { taskToken: 'token-stuck' })
      .rejects(Object.assign(new Error('down'), { name: 'InternalFailure' }));
    sfn.on(DescribeExecutionCommand).resolves({ status: 'RUNNING' });
    sfn.on(GetExecutionHistoryCommand).resolves({
      events: [
        {
          id: 2,
          type: 'TaskStateEntered',
          timestamp: new Date(NOW),
          stateEnteredEventDetails: { name: 'Request Approval' },
        },
      ],
    });
    const metrics = new Metrics({ namespace: 'edge-mlops', serviceName: 'approval-watchdog' });
    const add = jest.spyOn(metrics, 'addMetric');
    // Act
    const result = await approvalWatchdog({
      store: { dynamo: db.doc, table: db.table },
      sfn: new SFNClient({}),
      metrics,
      logger: silentLogger(),
      now: () => new Date(NOW),
      config: { stageConfig: localStageConfig() },
    });
    // Assess
    expect(result.redelivered).toEqual(['healed']);
    expect(result.stranded).toEqual([
      expect.objectContaining({
        approvalId: 'stuck',
        status: 'APPROVED',
        error: expect.stringContaining('InternalFailure'),
      }),
    ]);
    expect(add).toHaveBeenCalledWith('DecidedApprovalsNotResumed', 'Count', 1);
    const { Item } = await db.doc.send(
      new GetCommand({ TableName: db.table, Key: { pk: 'approval#healed', sk: 'approval' } }),
    );
    expect(Item?.resumedAt).toBeDefined();
    sfn.restore();
  });
});
