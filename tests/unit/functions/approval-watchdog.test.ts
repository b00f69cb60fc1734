import { Metrics } from '@aws-lambda-powertools/metrics';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
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
      metrics,
      logger: silentLogger(),
      now: () => NOW,
      config: { stageConfig: localStageConfig() },
    });
    // Assess
    expect(result.overdue).toEqual([
      { approvalId: 'old', modelPackageGroupName: 'defect-detector', version: 7, pendingHours: 30 },
    ]);
    expect(add).toHaveBeenCalledWith('PendingApprovalsOverdue', 'Count', 1);
  });
});
