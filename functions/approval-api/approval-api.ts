import type { Logger } from '@aws-lambda-powertools/logger';
import type { SFNClient } from '@aws-sdk/client-sfn';
import {
  type Actor,
  decide,
  deliver,
  type Outcome,
  obstacleOf,
  recordRefusal,
  recordView,
} from '../shared/approval/decisions';
import { type ApprovalRecord, type ApprovalStore, getApproval } from '../shared/approval/store';
import { verifyLink } from '../shared/approval/verify-link';
import type { Clock } from '../shared/clock';
import { checkFormToken, crossSiteRefusal, formToken } from './cross-site';
import { approvalPage, type LinkFields } from './evidence-page';
import { messagePage, SECURITY_HEADERS } from './page';

/**
 * The approval page's two endpoints, as pages: checks the link, the request and the form,
 * then hands the decision to the approval domain (shared/approval/decisions.ts) and shows
 * its outcome. No state is read or written here except through that domain and the store.
 */
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
  /** A short-lived HTTPS link to an s3:// report (see report-link.ts); absent: no link. */
  reportLink?: (s3Uri: string) => Promise<string>;
  logger: Logger;
  now: Clock;
};

const html = (statusCode: number, body: string): HttpResponse => ({
  statusCode,
  headers: SECURITY_HEADERS,
  body,
});

const STATUS_OF_REFUSAL = { malformed: 400, 'bad-signature': 403, expired: 410 } as const;

type Checked =
  | { ok: true; record: ApprovalRecord; link: LinkFields; actor: Actor; key: string }
  | { ok: false; response: HttpResponse };

/** Signature, expiry, record, and approver list; every refusal is a page with the right status. */
const checkLink = async (
  request: HttpRequest,
  fields: Record<string, string | undefined>,
  deps: ApprovalApiDeps,
): Promise<Checked> => {
  const verdict = await verifyLink(
    deps.signingKeys,
    {
      approvalId: request.approvalId,
      approver: fields.approver,
      exp: fields.exp,
      iat: fields.iat,
      sig: fields.sig,
    },
    deps.now(),
  );
  // Form tokens are signed with the current key (the reader's cache answers this call).
  const key = (await deps.signingKeys(deps.now().getTime()))[0]!;
  if (!verdict.ok) {
    deps.logger.warn('approval link refused', {
      reason: verdict.reason,
      sourceIp: request.sourceIp,
    });
    const status = STATUS_OF_REFUSAL[verdict.reason];
    return { ok: false, response: html(status, messagePage('Link refused', verdict.message)) };
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
    const message = `${approver} is not an approver of this release.`;
    return { ok: false, response: html(403, messagePage('Not an approver', message)) };
  }
  return {
    ok: true,
    record,
    key,
    actor: { by: approver, approver, sourceIp: request.sourceIp, userAgent: request.userAgent },
    link: {
      approver: verdict.claims.approver,
      exp: fields.exp!,
      ...(fields.iat === undefined ? {} : { iat: fields.iat }),
      sig: fields.sig!,
    },
  };
};

/** The page of `record`, with a fresh link to the twin report when one can be made. */
const evidencePage = async (
  status: number,
  record: ApprovalRecord,
  view: { link: LinkFields; token: string; notice?: string; decidable?: boolean },
  deps: ApprovalApiDeps,
) => {
  const reportUri = (record.evidence as { twinTests?: { reportUri?: string } }).twinTests
    ?.reportUri;
  let reportUrl: string | undefined;
  if (reportUri && deps.reportLink) {
    try {
      reportUrl = await deps.reportLink(reportUri);
    } catch (error) {
      deps.logger.warn('no link to the twin report', { error: (error as Error).message });
    }
  }
  return html(status, approvalPage(record, { ...view, reportUrl }));
};

/** What a page says about an outcome of the approval domain. */
const outcomePage = async (
  outcome: Outcome,
  view: { link: LinkFields; token: string },
  deps: ApprovalApiDeps,
): Promise<HttpResponse> => {
  const page = (status: number, record: ApprovalRecord, notice: string) =>
    evidencePage(status, record, { ...view, notice }, deps);
  switch (outcome.outcome) {
    case 'approval-recorded':
      return page(
        200,
        outcome.record,
        `Your approval is recorded (${outcome.record.approvals.length} of ${outcome.record.quorum}).`,
      );
    case 'already-approved':
      return page(
        409,
        outcome.record,
        'You have already approved; waiting for the other approvers.',
      );
    case 'already-decided':
      return page(409, outcome.record, 'This approval has already been decided.');
    case 'try-again':
      return page(409, outcome.record, outcome.message);
    case 'unchecked':
      return page(503, outcome.record, outcome.message);
    case 'ended':
      return html(
        410,
        messagePage(
          outcome.status === 'STOPPED' ? 'This execution was stopped' : 'This approval has expired',
          outcome.message,
        ),
      );
    case 'delivered':
      break;
  }
  const { record, delivery } = outcome;
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
    return page(
      503,
      record,
      `Your decision (${record.status.toLowerCase()}) is recorded, but the execution has not resumed yet: Step Functions answered ${delivery.error}. Nothing was released. Press Retry to send it again (the same link works); edge-mlops also retries every 15 minutes.`,
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
  const { record, actor, link, key } = checked;
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
  await recordView(record, actor, deps);
  const nowSeconds = Math.floor(deps.now().getTime() / 1000);
  const token = formToken(key, record.approvalId, actor.by, nowSeconds);
  return evidencePage(200, record, { link, token, notice, decidable }, deps);
};

/**
 * POST /approvals/{id}/decision: verifies the link, that the POST comes from our own page
 * (Origin / Sec-Fetch-Site and the per-page form token), the approver and the typed
 * confirmation; the approval domain then checks that the execution still waits and records
 * the decision with the message that resumes it. The page says what actually happened:
 * resumed, not resumed yet (retry), stopped or expired.
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
  const { record, actor, link, key } = checked;
  const nowSeconds = Math.floor(deps.now().getTime() / 1000);
  const tokenProblem = checkFormToken(
    key,
    request.form.formToken,
    record.approvalId,
    actor.by,
    nowSeconds,
  );
  if (tokenProblem) {
    await recordRefusal(record, actor, tokenProblem, deps);
    return html(403, messagePage('Request refused', `Nothing was decided: ${tokenProblem}.`));
  }
  const view = { link, token: formToken(key, record.approvalId, actor.by, nowSeconds) };
  const page = (status: number, notice: string) =>
    evidencePage(status, record, { ...view, notice }, deps);

  if (record.status !== 'PENDING') {
    // The same link retries a decision that did not reach the execution yet.
    if (record.outbox && !record.resumedAt)
      return outcomePage(await deliver(record, deps), view, deps);
    await recordRefusal(record, actor, `already ${record.status}`, deps);
    return page(409, 'This approval has already been decided.');
  }
  const decision = request.form.decision;
  if (decision !== 'approve' && decision !== 'reject')
    return page(400, 'Choose Approve or Reject.');
  if ((request.form.confirmVersion ?? '').trim() !== String(record.modelPackageVersion)) {
    await recordRefusal(record, actor, 'version confirmation did not match', deps);
    return page(400, `To confirm, type the version number ${record.modelPackageVersion} exactly.`);
  }
  const reason = (request.form.reason ?? '').trim().slice(0, 1000);
  if (decision === 'reject' && !reason) return page(400, 'A rejection needs a reason.');
  const comment = (request.form.comment ?? '').trim().slice(0, 500) || undefined;
  const outcome = await decide(
    record,
    actor,
    decision === 'approve' ? { decision, comment } : { decision, reason },
    deps,
  );
  return outcomePage(outcome, view, deps);
};
