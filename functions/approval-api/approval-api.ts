import type { Logger } from '@aws-lambda-powertools/logger';
import type { SFNClient } from '@aws-sdk/client-sfn';
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import {
  type Delivery,
  deliverDecision,
  executionFate,
  type Fate,
} from '../shared/approval/delivery';
import {
  type ApprovalRecord,
  type ApprovalStore,
  type AuditEntry,
  appendAudit,
  approvalKey,
  closeApproval,
  endApproval,
  getApproval,
} from '../shared/approval/store';
import { verifyLink } from '../shared/approval/verify-link';
import type { ErrorName } from '../shared/error-taxonomy';
import { isAwsError } from '../shared/errors';
import { getLatestVersion } from '../shared/registry-store';
import { checkFormToken, crossSiteRefusal, formToken } from './cross-site';
import { approvalPage, type LinkFields, messagePage, SECURITY_HEADERS } from './page';

export type HttpRequest = {
  method: string;
  approvalId: string;
  query: Record<string, string | undefined>;
  /** Parsed application/x-www-form-urlencoded body (POST). */
  form: Record<string, string | undefined>;
  /** Request headers, names in lower case. */
  headers?: Record<string, string | undefined>;
  sourceIp?: string;
  userAgent?: string;
};
export type HttpResponse = { statusCode: number; headers: Record<string, string>; body: string };

export type ApprovalApiDeps = {
  store: ApprovalStore;
  sfn: SFNClient;
  /** The signing keys a link may carry: current first, then the previous after a rotation. */
  signingKeys: (now?: number, options?: { fresh?: boolean }) => Promise<readonly string[]>;
  logger: Logger;
  now: () => Date;
};

const html = (statusCode: number, body: string): HttpResponse => ({
  statusCode,
  headers: SECURITY_HEADERS,
  body,
});

const STATUS_OF_REFUSAL = { malformed: 400, 'bad-signature': 403, expired: 410 } as const;

type Checked =
  | { ok: true; record: ApprovalRecord; link: LinkFields; approver: string; key: string }
  | { ok: false; response: HttpResponse };

/** Signature, expiry, record, and approver list; every refusal is a page with the right status. */
const checkLink = async (
  request: HttpRequest,
  fields: Record<string, string | undefined>,
  deps: ApprovalApiDeps,
): Promise<Checked> => {
  const verdict = await verifyLink(
    deps.signingKeys,
    { approvalId: request.approvalId, approver: fields.approver, exp: fields.exp, sig: fields.sig },
    deps.now(),
  );
  // Form tokens are signed with the current key (the reader's cache answers this call).
  const key = (await deps.signingKeys(deps.now().getTime()))[0]!;
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
  return {
    ok: true,
    record,
    approver,
    key,
    link: { approver: verdict.claims.approver, exp: fields.exp!, sig: fields.sig! },
  };
};

/** Why a pending approval cannot be decided any more: its execution moved on, or a newer version won. */
type Obstacle =
  | { kind: 'superseded'; latest: number; message: string }
  | { kind: 'stopped' | 'timed-out' | 'ended'; message: string };

const obstacleOf = async (
  record: ApprovalRecord,
  deps: ApprovalApiDeps,
): Promise<Obstacle | undefined> => {
  const fate: Fate = await executionFate(deps.sfn, record.executionArn);
  if (fate.fate === 'stopped' || fate.fate === 'timed-out' || fate.fate === 'ended')
    return {
      kind: fate.fate,
      message: `Nothing to decide: ${fate.detail}. ${record.modelPackageGroupName} v${record.modelPackageVersion} will not be released by this execution.`,
    };
  const latest = await getLatestVersion(deps.store, record.modelPackageGroupName);
  if (latest !== undefined && latest > record.modelPackageVersion)
    return {
      kind: 'superseded',
      latest,
      message: `Superseded: version ${latest} of ${record.modelPackageGroupName} was approved after version ${record.modelPackageVersion}. This version will not be released; nothing was deployed.`,
    };
  return undefined;
};

/** What a page says about a decided approval, from what actually happened to the execution. */
const deliveryPage = (
  record: ApprovalRecord,
  link: LinkFields,
  delivery: Delivery,
  token: string,
) => {
  const what = `${record.modelPackageGroupName} v${record.modelPackageVersion}`;
  if (delivery.state === 'resumed') {
    if (record.status === 'APPROVED')
      return html(
        200,
        messagePage(
          'Approved ✔',
          `${what} is approved; the execution has resumed and the rollout to production starts now.`,
          'ok',
        ),
      );
    if (record.status === 'REJECTED')
      return html(
        200,
        messagePage('Rejected', `${what} is rejected; nothing goes to production.`, 'info'),
      );
    return html(
      409,
      messagePage(
        'Superseded',
        `${record.decision?.reason ?? `${what} was superseded`}. This version will not be released; nothing was deployed.`,
        'info',
      ),
    );
  }
  if (delivery.state === 'not-resumed')
    return html(
      503,
      approvalPage(
        { ...record },
        link,
        token,
        `Your decision (${record.status.toLowerCase()}) is recorded, but the execution has not resumed yet: Step Functions answered ${delivery.error}. Nothing was released. Press Retry to send it again (the same link works); edge-mlops also retries every 15 minutes.`,
      ),
    );
  return html(
    410,
    messagePage(
      delivery.state === 'stopped' ? 'This execution was stopped' : 'This approval has expired',
      `The pipeline no longer waits for this decision: ${delivery.detail}. Nothing was released.`,
    ),
  );
};

/** GET /approvals/{id}: shows the evidence. A GET never decides anything (scanners prefetch links). */
export const viewApproval = async (
  request: HttpRequest,
  deps: ApprovalApiDeps,
): Promise<HttpResponse> => {
  const checked = await checkLink(request, request.query, deps);
  if (!checked.ok) return checked.response;
  const { record, approver, link, key } = checked;
  let notice: string | undefined;
  let decidable = record.status === 'PENDING';
  if (decidable) {
    try {
      const obstacle = await obstacleOf(record, deps);
      if (obstacle) {
        notice = obstacle.message;
        // A superseded release can still be closed from the page (it then ends as Superseded).
        decidable = obstacle.kind === 'superseded';
      }
    } catch (error) {
      deps.logger.warn('could not read the execution for the page', {
        error: (error as Error).message,
      });
    }
  } else if (record.outbox && !record.resumedAt) {
    notice = `The decision (${record.status.toLowerCase()}) is recorded, but the execution has not confirmed it resumed${record.delivery ? ` (last answer: ${record.delivery.lastError})` : ''}. Press Retry to send it again.`;
  }
  await appendAudit(deps.store, record, {
    at: deps.now().toISOString(),
    action: 'viewed',
    approver,
    sourceIp: request.sourceIp,
    userAgent: request.userAgent,
    outcome: record.status,
  });
  const token = formToken(
    key,
    record.approvalId,
    approver,
    Math.floor(deps.now().getTime() / 1000),
  );
  return html(200, approvalPage(record, link, token, notice, decidable));
};

/** Adds this approver's approval; `won` when this call completed the quorum (exactly one call does). */
const addApproval = async (
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

type ApprovalWithVotes = ApprovalRecord & { approvedBy?: Set<string> };

/**
 * Once the approvals reach the quorum, closes the approval with the output that resumes the
 * execution. Also run when a quorum was reached but its close failed (a retry of the last
 * approver then finds the quorum met and still PENDING), so no quorum is left unclosed.
 */
const completeQuorum = async (
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

/**
 * POST /approvals/{id}/decision: verifies the link, that the POST comes from our own page
 * (Origin / Sec-Fetch-Site and the per-page form token), the approver, the typed confirmation,
 * that the approval is still pending and its execution still waits for it; then records the
 * decision together with the message that resumes the execution (outbox) and sends it. The
 * page says what actually happened: resumed, not resumed yet (retry), stopped or expired.
 */
export const decideApproval = async (
  request: HttpRequest,
  deps: ApprovalApiDeps,
): Promise<HttpResponse> => {
  const crossSite = crossSiteRefusal(request.headers ?? {});
  if (crossSite) {
    deps.logger.warn('cross-site decision refused', {
      reason: crossSite,
      sourceIp: request.sourceIp,
    });
    return html(403, messagePage('Request refused', `Nothing was decided: ${crossSite}.`));
  }
  const checked = await checkLink(request, request.form, deps);
  if (!checked.ok) return checked.response;
  const { record, approver, link, key } = checked;
  const nowSeconds = Math.floor(deps.now().getTime() / 1000);
  const at = deps.now().toISOString();
  const entry = (action: AuditEntry['action'], outcome: string): AuditEntry => ({
    at,
    action,
    approver,
    sourceIp: request.sourceIp,
    userAgent: request.userAgent,
    outcome,
  });
  const tokenProblem = checkFormToken(
    key,
    request.form.formToken,
    record.approvalId,
    approver,
    nowSeconds,
  );
  if (tokenProblem) {
    await appendAudit(deps.store, record, entry('refused', tokenProblem));
    return html(403, messagePage('Request refused', `Nothing was decided: ${tokenProblem}.`));
  }
  const token = formToken(key, record.approvalId, approver, nowSeconds);
  const page = (status: number, r: ApprovalRecord, notice: string, decidable?: boolean) =>
    html(status, approvalPage(r, link, token, notice, decidable));
  // Once a decision is recorded, a failed audit write must not turn the page into an error.
  const auditAfterDecision = (e: AuditEntry) =>
    appendAudit(deps.store, record, e, true).catch((error: unknown) =>
      deps.logger.warn('audit write failed', { error: (error as Error).message }),
    );
  const deliver = async (r: ApprovalRecord) => {
    const delivery = await deliverDecision(r, deps);
    deps.logger.info('approval decision delivered', {
      approvalId: r.approvalId,
      state: delivery.state,
    });
    return deliveryPage(r, link, delivery, token);
  };

  if (record.status !== 'PENDING') {
    // The same link retries a decision that did not reach the execution yet.
    if (record.outbox && !record.resumedAt) return deliver(record);
    await appendAudit(deps.store, record, entry('refused', `already ${record.status}`));
    return page(409, record, 'This approval has already been decided.');
  }
  const decision = request.form.decision;
  if (decision !== 'approve' && decision !== 'reject') {
    return page(400, record, 'Choose Approve or Reject.');
  }
  if ((request.form.confirmVersion ?? '').trim() !== String(record.modelPackageVersion)) {
    await appendAudit(deps.store, record, entry('refused', 'version confirmation did not match'));
    return page(
      400,
      record,
      `To confirm, type the version number ${record.modelPackageVersion} exactly.`,
    );
  }
  const reason = (request.form.reason ?? '').trim().slice(0, 1000);
  if (decision === 'reject' && !reason) {
    return page(400, record, 'A rejection needs a reason.');
  }
  const comment = (request.form.comment ?? '').trim().slice(0, 500) || undefined;

  let obstacle: Obstacle | undefined;
  try {
    obstacle = await obstacleOf(record, deps);
  } catch (error) {
    deps.logger.warn('could not read the execution before deciding', {
      error: (error as Error).message,
    });
    return page(
      503,
      record,
      'The pipeline could not be checked just now; nothing was recorded. Please try again in a minute.',
    );
  }
  if (obstacle && obstacle.kind !== 'superseded') {
    await endApproval(
      deps.store,
      record.approvalId,
      obstacle.kind === 'stopped' ? 'STOPPED' : 'EXPIRED',
      at,
      obstacle.message,
    ).catch(() => undefined);
    await appendAudit(
      deps.store,
      record,
      entry(obstacle.kind === 'stopped' ? 'stopped' : 'expired', obstacle.message),
      true,
    );
    return html(
      410,
      messagePage(
        obstacle.kind === 'stopped' ? 'This execution was stopped' : 'This approval has expired',
        obstacle.message,
      ),
    );
  }
  if (obstacle) {
    // Superseded: the waiting execution ends as Superseded (Record Failure records it quietly).
    const outbox = {
      kind: 'failure' as const,
      error: 'Superseded' satisfies ErrorName,
      cause: obstacle.message,
    };
    const closed = await closeApproval(
      deps.store,
      record.approvalId,
      {
        outcome: 'SUPERSEDED',
        by: approver,
        at,
        reason: `version ${obstacle.latest} was approved after version ${record.modelPackageVersion}`,
      },
      outbox,
    );
    const now = (await getApproval(deps.store, record.approvalId)) ?? record;
    if (!closed && now.status === 'PENDING') return page(409, now, 'Please try again.');
    await auditAfterDecision(entry('superseded', obstacle.message));
    return deliver(now);
  }

  if (decision === 'approve') {
    let transition: { record: ApprovalRecord; won: boolean };
    try {
      transition = await addApproval(deps.store, record, approver, at, comment);
    } catch (error) {
      if (!isAwsError(error, 'ConditionalCheckFailedException')) throw error;
      const now = ((await getApproval(deps.store, record.approvalId)) ??
        record) as ApprovalWithVotes;
      if (now.status === 'PENDING') {
        const completed = await completeQuorum(deps.store, now, approver, at, comment);
        if (completed.won) return deliver(completed.record);
      }
      return page(
        409,
        now,
        now.status === 'PENDING'
          ? 'You have already approved; waiting for the other approvers.'
          : 'This approval has already been decided.',
      );
    }
    await auditAfterDecision(
      entry('approved', transition.won ? 'APPROVED' : 'approval recorded, quorum not reached'),
    );
    if (!transition.won) {
      const now = (await getApproval(deps.store, record.approvalId)) ?? transition.record;
      if (now.status !== 'PENDING') return deliver(now);
      return page(
        200,
        now,
        `Your approval is recorded (${now.approvals.length} of ${record.quorum}).`,
      );
    }
    deps.logger.info('release approved', { approvalId: record.approvalId, approver });
    return deliver(transition.record);
  }

  const outbox = {
    kind: 'failure' as const,
    error: 'ApprovalRejected' satisfies ErrorName,
    cause: `rejected by ${approver} at ${at}: ${reason}`.slice(0, 32768),
  };
  const won = await closeApproval(
    deps.store,
    record.approvalId,
    { outcome: 'REJECTED', by: approver, at, reason },
    outbox,
  );
  if (!won) {
    const now = (await getApproval(deps.store, record.approvalId)) ?? record;
    return page(409, now, 'This approval has already been decided.');
  }
  await auditAfterDecision(entry('rejected', 'REJECTED'));
  deps.logger.info('release rejected', { approvalId: record.approvalId, approver });
  return deliver({
    ...record,
    status: 'REJECTED',
    decision: { outcome: 'REJECTED', by: approver, at, reason },
    outbox,
  });
};
