import type { Logger } from '@aws-lambda-powertools/logger';
import { type Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { SFNClient } from '@aws-sdk/client-sfn';
import { type DynamoDBDocumentClient, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { deliverDecision } from '../shared/approval/delivery';
import { type ApprovalRecord, deadlineOf } from '../shared/approval/store';
import type { Clock } from '../shared/clock';
import { classifyAwsError } from '../shared/errors';
import type { StageConfig } from '../shared/stage-config/schema';

export type ApprovalWatchdogDeps = {
  store: { dynamo: DynamoDBDocumentClient; table: string };
  sfn: SFNClient;
  metrics: Metrics;
  logger: Logger;
  now: Clock;
  config: { stageConfig: StageConfig };
};

type Stranded = {
  approvalId: string;
  modelPackageGroupName: string;
  version: number;
  status: string;
  decidedAt?: string;
  error: string;
};

/**
 * Every 15 minutes:
 * - counts approvals still pending past their profile's `reminderHours` (metric
 *   `PendingApprovalsOverdue`, which the ApprovalOverdue alarm watches);
 * - finds approvals that were decided but whose execution never confirmed it resumed (the
 *   send failed, or its answer was lost), sends the recorded decision again (the outbox) and
 *   counts those that still did not resume (metric `DecidedApprovalsNotResumed`, alarm
 *   ApprovalNotResumed), so no decision is left without its effect.
 */
export const approvalWatchdog = async (deps: ApprovalWatchdogDeps) => {
  const { store, metrics, logger, now, config } = deps;
  const overdue: {
    approvalId: string;
    modelPackageGroupName: string;
    version: number;
    pendingHours: number;
  }[] = [];
  const undelivered: ApprovalRecord[] = [];
  let start: Record<string, unknown> | undefined;
  try {
    do {
      const page = await store.dynamo.send(
        new ScanCommand({
          TableName: store.table,
          FilterExpression:
            'begins_with(pk, :p) AND sk = :sk AND (#s = :pending OR (attribute_exists(outbox) AND attribute_not_exists(resumedAt) AND #s IN (:approved, :rejected, :superseded)))',
          ExpressionAttributeNames: { '#s': 'status' },
          ExpressionAttributeValues: {
            ':p': 'approval#',
            ':sk': 'approval',
            ':pending': 'PENDING',
            ':approved': 'APPROVED',
            ':rejected': 'REJECTED',
            ':superseded': 'SUPERSEDED',
          },
          ExclusiveStartKey: start,
        }),
      );
      for (const item of (page.Items ?? []) as ApprovalRecord[]) {
        if (item.status !== 'PENDING') {
          undelivered.push(item);
          continue;
        }
        const reminderHours =
          config.stageConfig.modelGroups[item.modelPackageGroupName]?.approval.reminderHours ?? 24;
        const pendingHours = (now().getTime() - Date.parse(item.createdAt)) / 3_600_000;
        if (pendingHours > reminderHours && deadlineOf(item) * 1000 > now().getTime()) {
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
    throw classifyAwsError(error, 'scanning approvals');
  }
  const stranded: Stranded[] = [];
  const redelivered: string[] = [];
  for (const record of undelivered) {
    const delivery = await deliverDecision(record, {
      store: deps.store,
      sfn: deps.sfn,
      logger,
      now,
    }).catch((error: unknown) => ({
      state: 'not-resumed' as const,
      error: (error as Error).message,
    }));
    if (delivery.state === 'resumed') redelivered.push(record.approvalId);
    if (delivery.state === 'not-resumed')
      stranded.push({
        approvalId: record.approvalId,
        modelPackageGroupName: record.modelPackageGroupName,
        version: record.modelPackageVersion,
        status: record.status,
        decidedAt: record.decision?.at,
        error: delivery.error,
      });
  }
  for (const o of overdue) logger.warn('approval overdue', o);
  for (const s of stranded) logger.error('approval decided but the execution did not resume', s);
  for (const id of redelivered)
    logger.info('decided approval delivered by the watchdog', { approvalId: id });
  metrics.addMetric('PendingApprovalsOverdue', MetricUnit.Count, overdue.length);
  metrics.addMetric('DecidedApprovalsNotResumed', MetricUnit.Count, stranded.length);
  return { overdue, stranded, redelivered };
};
