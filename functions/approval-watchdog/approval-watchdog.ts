import type { Logger } from '@aws-lambda-powertools/logger';
import { type Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { type DynamoDBDocumentClient, ScanCommand } from '@aws-sdk/lib-dynamodb';
import type { ApprovalRecord } from '../shared/approval/store';
import { classifyAwsError } from '../shared/errors';
import type { StageConfig } from '../shared/stage-config/schema';

export type ApprovalWatchdogDeps = {
  store: { dynamo: DynamoDBDocumentClient; table: string };
  metrics: Metrics;
  logger: Logger;
  now: () => number;
  config: { stageConfig: StageConfig };
};

/**
 * Every 15 minutes: counts approvals still pending past their profile's `reminderHours`
 * (metric `edge-mlops/PendingApprovalsOverdue`, which the ApprovalOverdue alarm watches)
 * and logs each one, so someone chases the approvers before the approval times out.
 */
export const approvalWatchdog = async ({
  store,
  metrics,
  logger,
  now,
  config,
}: ApprovalWatchdogDeps) => {
  const overdue: {
    approvalId: string;
    modelPackageGroupName: string;
    version: number;
    pendingHours: number;
  }[] = [];
  let start: Record<string, unknown> | undefined;
  try {
    do {
      const page = await store.dynamo.send(
        new ScanCommand({
          TableName: store.table,
          FilterExpression: 'begins_with(pk, :p) AND #s = :pending',
          ExpressionAttributeNames: { '#s': 'status' },
          ExpressionAttributeValues: { ':p': 'approval#', ':pending': 'PENDING' },
          ExclusiveStartKey: start,
        }),
      );
      for (const item of (page.Items ?? []) as ApprovalRecord[]) {
        const reminderHours =
          config.stageConfig.modelGroups[item.modelPackageGroupName]?.approval.reminderHours ?? 24;
        const pendingHours = (now() - Date.parse(item.createdAt)) / 3_600_000;
        if (pendingHours > reminderHours && item.expiresAt * 1000 > now()) {
          overdue.push({
            approvalId: item.approvalId,
            modelPackageGroupName: item.modelPackageGroupName,
            version: item.modelPackageVersion,
            pendingHours: Math.round(pendingHours * 10) / 10,
          });
        }
      }
      start = page.LastEvaluatedKey;
    } while (start);
  } catch (error) {
    throw classifyAwsError(error, 'scanning pending approvals');
  }
  for (const o of overdue) logger.warn('approval overdue', o);
  metrics.addMetric('PendingApprovalsOverdue', MetricUnit.Count, overdue.length);
  return { overdue };
};
