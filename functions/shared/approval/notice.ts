import { PublishCommand, type SNSClient } from '@aws-sdk/client-sns';
import { systemClock } from '../clock';
import { classifyAwsError } from '../errors';
import { receiptAttributes } from '../outcome/notify';
import { type OnceStore, type ReceiptTag, sendOnce } from '../outcome/send-once';
import { approvalLink } from './signing';
import { type ApprovalRecord, deadlineOf } from './store';

/**
 * What an approver receives: one message with their personal signed link, published on the
 * approval topic with the `approver` attribute their subscription filters on, once per key
 * (see shared/outcome/send-once.ts). Used by request-approval and by `approvals resend`.
 */
export type ApprovalMessage = { approver: string; subject: string; text: string; link: string };

type Evidence = {
  stage?: string;
  twinTests?: { summary?: string };
  rollout?: { fleet: string; waves: { name: string }[] }[];
};

export const noticeSubject = (record: ApprovalRecord) =>
  `Approve ${record.modelPackageGroupName} v${record.modelPackageVersion} for production? (${(record.evidence as Evidence).stage})`;

/**
 * Each approver's message, with a link signed with `key` that expires at the deadline; a
 * resend (`edge-mlops approvals resend`) says when and that earlier links stay valid.
 */
export const approvalMessage = (
  record: ApprovalRecord,
  approver: string,
  baseUrl: string,
  key: string,
  resentAt?: string,
): ApprovalMessage => {
  const e = record.evidence as Evidence;
  const deadline = deadlineOf(record);
  // A resent link carries its issue time: a fresh link, not the first one again.
  const link = approvalLink(baseUrl, key, {
    approvalId: record.approvalId,
    approver,
    expiresAt: deadline,
    ...(resentAt ? { issuedAt: Math.floor(Date.parse(resentAt) / 1000) } : {}),
  });
  const text = [
    `${record.modelPackageGroupName} version ${record.modelPackageVersion} passed its twin tests and waits for your decision.`,
    ...(resentAt
      ? [
          `(Sent again at ${resentAt} on request; a link you received earlier stays valid until it is used or expires.)`,
        ]
      : []),
    '',
    `Twin tests: ${e.twinTests?.summary ?? ''}`,
    `Fleets: ${(e.rollout ?? []).map((f) => `${f.fleet} (${f.waves.map((w) => w.name).join(' → ')})`).join(', ')}`,
    `Approvals needed: ${record.quorum} of ${record.approvers.length}`,
    `Decide before: ${new Date(deadline * 1000).toISOString()}`,
    '',
    `Review the evidence and decide: ${link}`,
    '',
    'Opening the link changes nothing; the decision is a button on the page.',
  ].join('\n');
  return { approver, subject: noticeSubject(record).slice(0, 100), text, link };
};

/** Publishes one approver's message (no SDK retries: see the SNS client in the handler). */
export const publishApprovalMessage = async (
  sns: SNSClient,
  topicArn: string,
  message: ApprovalMessage,
  receipt: ReceiptTag,
) => {
  try {
    await sns.send(
      new PublishCommand({
        TopicArn: topicArn,
        Subject: message.subject,
        Message: message.text,
        MessageAttributes: {
          approver: { DataType: 'String', StringValue: message.approver },
          ...receiptAttributes(receipt),
        },
      }),
    );
  } catch (error) {
    throw classifyAwsError(error, 'SNS Publish');
  }
};

/** Sends `message` once for `key` (a resend uses a new key: a fresh link, a new message). */
export const notifyApproverOnce = (
  store: OnceStore,
  sns: SNSClient,
  topicArn: string,
  message: ApprovalMessage & { key: string },
) =>
  sendOnce(store, { scope: 'approval-notice', key: message.key, now: systemClock }, (tag) =>
    publishApprovalMessage(sns, topicArn, message, tag),
  );

/** A chat webhook (best effort, 5 s): a non-2xx answer is an error. */
export const postWebhook = async (url: string, body: unknown) => {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(5000),
  });
  if (!response.ok) throw new Error(`webhook answered ${response.status}`);
};
