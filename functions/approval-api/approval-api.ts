import type { Logger } from '@aws-lambda-powertools/logger';
import {
  SendTaskFailureCommand,
  SendTaskSuccessCommand,
  type SFNClient,
} from '@aws-sdk/client-sfn';
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { verify } from '../shared/approval/signing';
import {
  type ApprovalRecord,
  type ApprovalStore,
  type AuditEntry,
  approvalKey,
  closeApproval,
  expireApproval,
  getApproval,
} from '../shared/approval/store';
import { classifyAwsError, isAwsError } from '../shared/errors';
import { approvalPage, type LinkFields, messagePage, SECURITY_HEADERS } from './page';

export type HttpRequest = {
  method: string;
  approvalId: string;
  query: Record<string, string | undefined>;
  /** Parsed application/x-www-form-urlencoded body (POST). */
  form: Record<string, string | undefined>;
  sourceIp?: string;
  userAgent?: string;
  /** Verified OIDC claims when the API requires a login (JWT authorizer). */
  claims?: Record<string, unknown>;
};
export type HttpResponse = { statusCode: number; headers: Record<string, string>; body: string };

export type ApprovalApiDeps = {
  store: ApprovalStore;
  sfn: SFNClient;
  signingKey: () => Promise<string>;
  logger: Logger;
  now: () => Date;
  /** When true, the decision must come from a login whose email is the link's approver. */
  requireLogin: boolean;
};

const html = (statusCode: number, body: string): HttpResponse => ({
  statusCode,
  headers: SECURITY_HEADERS,
  body,
});

const STATUS_OF_REFUSAL = { malformed: 400, 'bad-signature': 403, expired: 410 } as const;

const audit = async (store: ApprovalStore, approvalId: string, entry: AuditEntry) => {
  await store.dynamo.send(
    new UpdateCommand({
      TableName: store.table,
      Key: approvalKey(approvalId),
      UpdateExpression: 'SET audit = list_append(if_not_exists(audit, :empty), :entry)',
      ConditionExpression: 'attribute_exists(pk)',
      ExpressionAttributeValues: { ':entry': [entry], ':empty': [] },
    }),
  );
};

type Checked =
  | { ok: true; record: ApprovalRecord; link: LinkFields; approver: string }
  | { ok: false; response: HttpResponse };

/** Signature, expiry, record, and approver list; every refusal is a page with the right status. */
const checkLink = async (
  request: HttpRequest,
  fields: Record<string, string | undefined>,
  deps: ApprovalApiDeps,
): Promise<Checked> => {
  const key = await deps.signingKey();
  const verdict = verify(
    key,
    { approvalId: request.approvalId, approver: fields.approver, exp: fields.exp, sig: fields.sig },
    Math.floor(deps.now().getTime() / 1000),
  );
  if (!verdict.ok) {
    deps.logger.warn('approval link refused', {
      reason: verdict.reason,
      sourceIp: request.sourceIp,
    });
    return {
      ok: false,
      response: html(
        STATUS_OF_REFUSAL[verdict.reason],
        messagePage('Link refused', verdict.message),
      ),
    };
  }
  const record = await getApproval(deps.store, request.approvalId);
  if (!record) {
    return {
      ok: false,
      response: html(404, messagePage('Unknown approval', 'There is no approval with this id.')),
    };
  }
  const approver = verdict.claims.approver.toLowerCase();
  if (!record.approvers.includes(approver)) {
    return {
      ok: false,
      response: html(
        403,
        messagePage('Not an approver', `${approver} is not an approver of this release.`),
      ),
    };
  }
  if (deps.requireLogin) {
    const email = String(request.claims?.email ?? '').toLowerCase();
    if (email !== approver) {
      return {
        ok: false,
        response: html(
          403,
          messagePage(
            'Wrong login',
            `This link is for ${approver}; you are signed in as ${email || 'nobody'}.`,
          ),
        ),
      };
    }
  }
  return {
    ok: true,
    record,
    approver,
    link: { approver: verdict.claims.approver, exp: fields.exp!, sig: fields.sig! },
  };
};

/** GET /approvals/{id}: shows the evidence. A GET never decides anything (scanners prefetch links). */
export const viewApproval = async (
  request: HttpRequest,
  deps: ApprovalApiDeps,
): Promise<HttpResponse> => {
  const checked = await checkLink(request, request.query, deps);
  if (!checked.ok) return checked.response;
  const { record, approver, link } = checked;
  await audit(deps.store, record.approvalId, {
    at: deps.now().toISOString(),
    action: 'viewed',
    approver,
    sourceIp: request.sourceIp,
    userAgent: request.userAgent,
    outcome: record.status,
  });
  return html(200, approvalPage(record, link));
};

type Transition = { record: ApprovalRecord; won: boolean };

/** Adds this approver's approval; `won` when this call completed the quorum (exactly one call does). */
const addApproval = async (
  store: ApprovalStore,
  record: ApprovalRecord,
  approver: string,
  at: string,
  comment?: string,
): Promise<Transition> => {
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
  const updated = Attributes as ApprovalRecord & { approvedBy?: Set<string> };
  if ((updated.approvedBy?.size ?? 0) < record.quorum) return { record: updated, won: false };
  const won = await closeApproval(store, record.approvalId, {
    outcome: 'APPROVED',
    by: approver,
    at,
  });
  return {
    record: { ...updated, status: 'APPROVED', decision: { outcome: 'APPROVED', by: approver, at } },
    won,
  };
};

/** TaskTimedOut / InvalidToken / TaskDoesNotExist: the execution no longer waits. */
const TOKEN_GONE = ['TaskTimedOut', 'InvalidToken', 'TaskDoesNotExist'];

/**
 * POST /approvals/{id}/decision: verifies the link, the approver, the typed confirmation
 * and that the approval is still pending; then resumes the execution through its task
 * token (SendTaskSuccess, or SendTaskFailure `ApprovalRejected`). A second click shows
 * what was decided, by whom and when.
 */
export const decideApproval = async (
  request: HttpRequest,
  deps: ApprovalApiDeps,
): Promise<HttpResponse> => {
  const checked = await checkLink(request, request.form, deps);
  if (!checked.ok) return checked.response;
  const { record, approver, link } = checked;
  const at = deps.now().toISOString();
  const decision = request.form.decision;
  const entry = (action: AuditEntry['action'], outcome: string): AuditEntry => ({
    at,
    action,
    approver,
    sourceIp: request.sourceIp,
    userAgent: request.userAgent,
    outcome,
  });

  if (record.status !== 'PENDING') {
    await audit(deps.store, record.approvalId, entry('refused', `already ${record.status}`));
    return html(409, approvalPage(record, link, 'This approval has already been decided.'));
  }
  if (decision !== 'approve' && decision !== 'reject') {
    return html(400, approvalPage(record, link, 'Choose Approve or Reject.'));
  }
  if ((request.form.confirmVersion ?? '').trim() !== String(record.modelPackageVersion)) {
    await audit(
      deps.store,
      record.approvalId,
      entry('refused', 'version confirmation did not match'),
    );
    return html(
      400,
      approvalPage(
        record,
        link,
        `To confirm, type the version number ${record.modelPackageVersion} exactly.`,
      ),
    );
  }
  const reason = (request.form.reason ?? '').trim();
  if (decision === 'reject' && !reason) {
    return html(400, approvalPage(record, link, 'A rejection needs a reason.'));
  }
  const comment = (request.form.comment ?? '').trim().slice(0, 500) || undefined;

  try {
    if (decision === 'approve') {
      let transition: Transition;
      try {
        transition = await addApproval(deps.store, record, approver, at, comment);
      } catch (error) {
        if (!isAwsError(error, 'ConditionalCheckFailedException')) throw error;
        const now = (await getApproval(deps.store, record.approvalId)) ?? record;
        return html(
          409,
          approvalPage(
            now,
            link,
            now.status === 'PENDING'
              ? 'You have already approved; waiting for the other approvers.'
              : 'This approval has already been decided.',
          ),
        );
      }
      if (!transition.won) {
        await audit(
          deps.store,
          record.approvalId,
          entry(
            'approved',
            transition.record.status === 'PENDING'
              ? 'approval recorded, quorum not reached'
              : 'approval recorded',
          ),
        );
        return html(
          200,
          approvalPage(
            transition.record,
            link,
            `Your approval is recorded (${transition.record.approvals.length} of ${record.quorum}).`,
          ),
        );
      }
      const fresh = (await getApproval(deps.store, record.approvalId)) ?? transition.record;
      await deps.sfn.send(
        new SendTaskSuccessCommand({
          taskToken: fresh.taskToken,
          output: JSON.stringify({
            approved: true,
            approvalId: record.approvalId,
            approvers: fresh.approvals,
            decidedBy: approver,
            decidedAt: at,
            ...(comment ? { comment } : {}),
            audit: [...(fresh.audit ?? []), entry('approved', 'APPROVED')],
          }),
        }),
      );
      await audit(deps.store, record.approvalId, entry('approved', 'APPROVED'));
      deps.logger.info('release approved', { approvalId: record.approvalId, approver });
      return html(
        200,
        messagePage(
          'Approved ✔',
          `${record.modelPackageGroupName} v${record.modelPackageVersion} is approved; the rollout to production starts now.`,
          'ok',
        ),
      );
    }

    const won = await closeApproval(deps.store, record.approvalId, {
      outcome: 'REJECTED',
      by: approver,
      at,
      reason,
    });
    if (!won) {
      const now = (await getApproval(deps.store, record.approvalId)) ?? record;
      return html(409, approvalPage(now, link, 'This approval has already been decided.'));
    }
    await deps.sfn.send(
      new SendTaskFailureCommand({
        taskToken: record.taskToken,
        error: 'ApprovalRejected',
        cause: `rejected by ${approver} at ${at}: ${reason}`.slice(0, 32768),
      }),
    );
    await audit(deps.store, record.approvalId, entry('rejected', 'REJECTED'));
    deps.logger.info('release rejected', { approvalId: record.approvalId, approver });
    return html(
      200,
      messagePage(
        'Rejected',
        `${record.modelPackageGroupName} v${record.modelPackageVersion} is rejected; nothing goes to production.`,
        'info',
      ),
    );
  } catch (error) {
    if (isAwsError(error, ...TOKEN_GONE)) {
      await expireApproval(deps.store, record.approvalId, at).catch(() => undefined);
      await audit(deps.store, record.approvalId, entry('expired', (error as Error).name)).catch(
        () => undefined,
      );
      return html(
        410,
        messagePage(
          'This approval has expired',
          'The pipeline no longer waits for this decision (it timed out or was stopped). Nothing was changed.',
        ),
      );
    }
    throw classifyAwsError(error, 'recording the decision');
  }
};
