import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { listAudit } from '../../functions/shared/approval/audit';
import {
  type ApprovalRecord,
  type ApprovalStore,
  approvalOfExecution,
  deadlineOf,
  getApproval,
} from '../../functions/shared/approval/store';
import { CliError } from './cli-error';
import { executionNameOf } from './state-machine';

/**
 * Approvals as the approval functions keep them in the state table (`pk = approval#<id>`,
 * `sk = approval`; functions/shared/approval/store.ts): who may decide, the quorum so far,
 * the deadline and the execution that waits. Read only; the task token never leaves here.
 */
export type ApprovalView = {
  approvalId: string;
  status: string;
  modelGroup: string;
  version: number;
  execution: string;
  executionArn: string;
  approvers: { approver: string; approvedAt?: string }[];
  quorum: number;
  approved: number;
  createdAt: string;
  deadline: string;
  /** The deadline has passed while the record still says PENDING: nobody can decide now. */
  overdue: boolean;
  decision?: ApprovalRecord['decision'];
  resumedAt?: string;
  delivery?: ApprovalRecord['delivery'];
};

export const viewOf = (record: ApprovalRecord, now: number): ApprovalView => {
  const approvedBy = new Map(record.approvals.map((a) => [a.approver.toLowerCase(), a.at]));
  const deadline = deadlineOf(record) * 1000;
  return {
    approvalId: record.approvalId,
    status: record.status,
    modelGroup: record.modelPackageGroupName,
    version: record.modelPackageVersion,
    execution: executionNameOf(record.executionArn),
    executionArn: record.executionArn,
    approvers: record.approvers.map((approver) => {
      const at = approvedBy.get(approver.toLowerCase());
      return at ? { approver, approvedAt: at } : { approver };
    }),
    quorum: record.quorum,
    approved: record.approvals.length,
    createdAt: record.createdAt,
    deadline: new Date(deadline).toISOString(),
    overdue: record.status === 'PENDING' && deadline <= now,
    ...(record.decision ? { decision: record.decision } : {}),
    ...(record.resumedAt ? { resumedAt: record.resumedAt } : {}),
    ...(record.delivery ? { delivery: record.delivery } : {}),
  };
};

/**
 * Every approval record (a Scan, every page, as the watchdog reads them): the pending ones,
 * or all with `all`. Oldest first.
 */
export const listApprovals = async (
  store: ApprovalStore,
  options: { all?: boolean; modelGroup?: string },
  now: number,
): Promise<ApprovalView[]> => {
  const records: ApprovalRecord[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const page = await store.dynamo.send(
      new ScanCommand({
        TableName: store.table,
        FilterExpression: `begins_with(pk, :p) AND sk = :sk${options.all ? '' : ' AND #s = :pending'}`,
        ...(options.all ? {} : { ExpressionAttributeNames: { '#s': 'status' } }),
        ExpressionAttributeValues: {
          ':p': 'approval#',
          ':sk': 'approval',
          ...(options.all ? {} : { ':pending': 'PENDING' }),
        },
        ExclusiveStartKey: start,
      }),
    );
    records.push(...((page.Items ?? []) as ApprovalRecord[]));
    start = page.LastEvaluatedKey;
  } while (start);
  return records
    .filter((r) => !options.modelGroup || r.modelPackageGroupName === options.modelGroup)
    .sort((a, b) => a.createdAt.localeCompare(b.createdAt))
    .map((r) => viewOf(r, now));
};

/** One approval with its audit trail (views, decisions, refusals), or a precise refusal. */
export const showApproval = async (store: ApprovalStore, approvalId: string, now: number) => {
  const record = await getApproval(store, approvalId);
  if (!record)
    throw new CliError(`no approval ${approvalId} (see edge-mlops approvals list --all)`);
  const audit = await listAudit(store, approvalId);
  return {
    ...viewOf(record, now),
    audit: audit.map(({ expiresAt: _e, ...entry }) => entry),
  };
};

/** The approval an execution waits on (or waited on), if it reached Request Approval. */
export const approvalOfWaitingExecution = async (
  store: ApprovalStore,
  executionArn: string,
  now: number,
): Promise<ApprovalView | undefined> => {
  const approvalId = await approvalOfExecution(store, executionArn);
  const record = approvalId ? await getApproval(store, approvalId) : undefined;
  return record ? viewOf(record, now) : undefined;
};

/** The command that re-sends an approver their link. */
export const resendCommand = (approvalId: string, approver = '<approver>') =>
  `edge-mlops approvals resend ${approvalId} ${approver}`;
