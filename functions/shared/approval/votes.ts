import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { type ApprovalRecord, type ApprovalStore, approvalKey, closeApproval } from './store';

/** An approval with the set of approvers who approved so far (the quorum counts distinct ones). */
export type ApprovalWithVotes = ApprovalRecord & { approvedBy?: Set<string> };

/**
 * Adds this approver's approval; `won` when this call completed the quorum (exactly one call
 * does). Throws ConditionalCheckFailedException when the approval is no longer pending or
 * this approver already approved.
 */
export const addApproval = async (
  store: ApprovalStore,
  record: ApprovalRecord,
  approver: string,
  at: string,
  comment?: string,
): Promise<{ record: ApprovalRecord; won: boolean }> => {
  const { Attributes } = await store.dynamo.send(
    new UpdateCommand({
      TableName: store.table,
      Key: approvalKey(record.approvalId),
      UpdateExpression: 'SET approvals = list_append(approvals, :a) ADD approvedBy :who',
      ConditionExpression:
        '#s = :pending AND (attribute_not_exists(approvedBy) OR NOT contains(approvedBy, :me))',
      ExpressionAttributeNames: { '#s': 'status' },
      ExpressionAttributeValues: {
        ':a': [{ approver, at, ...(comment ? { comment } : {}) }],
        ':who': new Set([approver]),
        ':pending': 'PENDING',
        ':me': approver,
      },
      ReturnValues: 'ALL_NEW',
    }),
  );
  return completeQuorum(store, Attributes as ApprovalWithVotes, approver, at, comment);
};

/**
 * Once the approvals reach the quorum, closes the approval with the output that resumes the
 * execution. Also run when a quorum was reached but its close failed (a retry of the last
 * approver then finds the quorum met and still PENDING), so no quorum is left unclosed.
 */
export const completeQuorum = async (
  store: ApprovalStore,
  updated: ApprovalWithVotes,
  approver: string,
  at: string,
  comment?: string,
): Promise<{ record: ApprovalRecord; won: boolean }> => {
  if ((updated.approvedBy?.size ?? 0) < updated.quorum) return { record: updated, won: false };
  // The output that resumes the execution: bounded (≤ 50 approvers, comments ≤ 500 characters),
  // and without the audit trail, which stays beside the approval in the state table.
  const decision = { outcome: 'APPROVED' as const, by: approver, at };
  const output = JSON.stringify({
    approved: true,
    approvalId: updated.approvalId,
    approvers: updated.approvals,
    decidedBy: approver,
    decidedAt: at,
    ...(comment ? { comment } : {}),
    audit: { stateTableKey: approvalKey(updated.approvalId).pk, sortKeyPrefix: 'audit#' },
  });
  const outbox = { kind: 'success' as const, output };
  const won = await closeApproval(store, updated.approvalId, decision, outbox);
  return { record: { ...updated, status: 'APPROVED', decision, outbox }, won };
};
