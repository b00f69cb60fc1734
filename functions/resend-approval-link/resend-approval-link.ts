import type { Logger } from '@aws-lambda-powertools/logger';
import { appendAudit } from '../shared/approval/audit';
import { type ApprovalMessage, approvalMessage } from '../shared/approval/notice';
import { type ApprovalStore, deadlineOf, getApproval } from '../shared/approval/store';
import type { Clock } from '../shared/clock';
import { parseInput } from '../shared/validate';
import * as z from '../shared/zod-mini';

const InputSchema = z.object({
  approvalId: z.string().check(z.minLength(1), z.maxLength(64)),
  approver: z.string().check(z.minLength(3), z.maxLength(254)),
  /** One per request of the operator: a retry of the same request sends nothing twice. */
  requestId: z.string().check(z.minLength(8), z.maxLength(64)),
  /** Who asked, as the operator's command line says (the Invoke itself is in CloudTrail). */
  requestedBy: z.optional(z.string().check(z.maxLength(128))),
});
export type ResendApprovalLinkInput = z.input<typeof InputSchema>;

export type ResendApprovalLinkDeps = {
  store: ApprovalStore;
  signingKey: () => Promise<string>;
  /** Sends one approver their personal link (SNS, filtered on `approver`); once per key. */
  notifyApprover: (message: ApprovalMessage & { key: string }) => Promise<unknown>;
  logger: Logger;
  now: Clock;
  config: { baseUrl: string };
};

/** Never the link itself: it is the approver's identity, and goes only to their mailbox. */
export type ResendApprovalLinkOutput =
  | { sent: true; approvalId: string; approver: string; deadline: string; sentAt: string }
  | { sent: false; approvalId: string; approver: string; refused: string };

/**
 * Sends an approver of a pending approval a fresh personal link (signed with the current key,
 * valid until the approval's deadline) by the same message and topic as the first one. Links
 * sent before stay valid until they are used or expire. Refused, with the reason, when the
 * approval is unknown or no longer pending, its deadline has passed, the address is not one
 * of its approvers, or that approver has already approved. Idempotent per `requestId`.
 */
export const resendApprovalLink = async (
  rawInput: ResendApprovalLinkInput,
  deps: ResendApprovalLinkDeps,
): Promise<ResendApprovalLinkOutput> => {
  const input = parseInput(InputSchema, rawInput);
  const approver = input.approver.toLowerCase();
  const refuse = (refused: string): ResendApprovalLinkOutput => {
    deps.logger.info('approval link not resent', { approvalId: input.approvalId, refused });
    return { sent: false, approvalId: input.approvalId, approver, refused };
  };
  const record = await getApproval(deps.store, input.approvalId);
  if (!record) return refuse(`there is no approval ${input.approvalId}`);
  const at = deps.now();
  const deadline = deadlineOf(record);
  if (record.status !== 'PENDING')
    return refuse(
      `approval ${record.approvalId} is ${record.status}${record.decision?.by ? ` (by ${record.decision.by} at ${record.decision.at})` : ''}: there is nothing left to decide`,
    );
  if (deadline * 1000 <= at.getTime())
    return refuse(
      `approval ${record.approvalId} expired at ${new Date(deadline * 1000).toISOString()}`,
    );
  if (!record.approvers.includes(approver))
    return refuse(
      `${approver} is not an approver of ${record.modelPackageGroupName} (approvers: ${record.approvers.join(', ')})`,
    );
  const given = record.approvals.find((a) => a.approver.toLowerCase() === approver);
  if (given)
    return refuse(`${approver} already approved at ${given.at}; their link decides nothing more`);

  const sentAt = at.toISOString();
  const key = await deps.signingKey();
  await deps.notifyApprover({
    key: `${record.approvalId}#${approver}#resend#${input.requestId}`,
    ...approvalMessage(record, approver, deps.config.baseUrl, key, sentAt),
  });
  await appendAudit(
    deps.store,
    record,
    {
      at: sentAt,
      action: 'resent',
      approver,
      outcome: `link sent again${input.requestedBy ? ` at the request of ${input.requestedBy}` : ''}`,
    },
    true,
  );
  deps.logger.info('approval link resent', { approvalId: record.approvalId });
  return {
    sent: true,
    approvalId: record.approvalId,
    approver,
    deadline: new Date(deadline * 1000).toISOString(),
    sentAt,
  };
};
