import { PublishCommand, type SNSClient } from '@aws-sdk/client-sns';
import { classifyAwsError } from '../errors';
import { receiptAttributes } from '../outcome/notify';
import type { ReceiptTag } from '../outcome/send-once';
import { type ApprovalRecord, deadlineOf } from './store';

/**
 * The e-mail an approver gets with their personal link: sent by request-approval when the
 * execution reaches its approval, and by resend-approval-link when an approver lost it.
 * Built from the approval record alone, so both say the same.
 */
export type ApprovalMessage = { approver: string; subject: string; text: string; link: string };

type Evidence = {
  stage?: string;
  twinTests?: { summary?: string };
  rollout?: { fleet: string; waves: { name: string }[] }[];
};

/** The subject of the approval e-mail (and the first line of the chat webhook's message). */
export const approvalSubject = (record: ApprovalRecord) =>
  `Approve ${record.modelPackageGroupName} v${record.modelPackageVersion} for production? (${(record.evidence as Evidence).stage})`;

export const approvalNotice = (
  record: ApprovalRecord,
  approver: string,
  link: string,
  resentAt?: string,
): ApprovalMessage => {
  const evidence = record.evidence as Evidence;
  const deadline = new Date(deadlineOf(record) * 1000).toISOString();
  const subject = approvalSubject(record);
  const text = [
    `${record.modelPackageGroupName} version ${record.modelPackageVersion} passed its twin tests and waits for your decision.`,
    ...(resentAt
      ? [
          `(Sent again at ${resentAt} on request; a link you received earlier stays valid until it is used or expires.)`,
        ]
      : []),
    '',
    `Twin tests: ${evidence.twinTests?.summary ?? ''}`,
    `Fleets: ${(evidence.rollout ?? []).map((f) => `${f.fleet} (${f.waves.map((w) => w.name).join(' → ')})`).join(', ')}`,
    `Approvals needed: ${record.quorum} of ${record.approvers.length}`,
    `Decide before: ${deadline}`,
    '',
    `Review the evidence and decide: ${link}`,
    '',
    'Opening the link changes nothing; the decision is a button on the page.',
  ].join('\n');
  return { approver, subject, text, link };
};

/**
 * Publishes one approver's message on the approval topic, with the `approver` attribute their
 * subscription filters on and the receipt tag of its once-only claim.
 */
export const publishApprovalNotice =
  (sns: SNSClient, topicArn: string) =>
  ({ approver, subject, text }: ApprovalMessage, receipt: ReceiptTag) =>
    sns
      .send(
        new PublishCommand({
          TopicArn: topicArn,
          Subject: subject.slice(0, 100),
          Message: text,
          MessageAttributes: {
            approver: { DataType: 'String', StringValue: approver },
            ...receiptAttributes(receipt),
          },
        }),
      )
      .catch((error: unknown) => {
        throw classifyAwsError(error, 'SNS Publish');
      });
