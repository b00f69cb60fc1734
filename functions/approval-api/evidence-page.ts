import type { MetricsComparison } from '../request-approval/evidence';
import { type ApprovalRecord, deadlineOf } from '../shared/approval/store';
import { metricsSection } from './metrics-section';
import { escapeHtml, layout, localTime } from './page';

/**
 * The evidence page an approver decides on: the model's metrics next to those of the live
 * versions, the twin tests with a link to their full report, what approving and rejecting
 * do, and the deadline (UTC, and the reader's time with the page's script). A decision
 * needs a deliberate act a link scanner will not perform: typing the model version into
 * the form before pressing the button.
 */
type Probe = { name: string; type: string; passed: boolean; summary: string; evidence?: unknown };
type Evidence = {
  stage?: string;
  registry?: {
    approvalDescription?: string;
    createdAt?: string;
    customerMetadata?: Record<string, string>;
    metrics?: { kind: string; s3Uri: string }[];
  };
  metrics?: MetricsComparison;
  components?: {
    model?: { name: string; version: string };
    inference?: { name: string; version: string };
  };
  twin?: {
    targetArn?: string;
    diff?: {
      added?: { name: string; version: string }[];
      changed?: { name: string; from: string; to: string }[];
      kept?: { name: string; version: string }[];
    } | null;
  };
  twinTests?: { passed: boolean; summary: string; reportUri: string; probes: Probe[] };
  rollout?: {
    fleet: string;
    platform: string;
    waves: {
      name: string;
      targetArn: string;
      abortAbovePercent: number;
      minExecutedThings: number;
    }[];
  }[];
};

/** The signed fields of the link the page was opened with (`iat`: a resent link's issue time). */
export type LinkFields = { approver: string; exp: string; iat?: string; sig: string };

/** What this rendering of the page needs besides the record. */
export type PageView = {
  link: LinkFields;
  token: string;
  notice?: string;
  decidable?: boolean;
  /** A short-lived HTTPS link to the full twin report (presigned), when one could be made. */
  reportUrl?: string;
};

const hidden = (link: LinkFields, token: string) =>
  `<input type="hidden" name="approver" value="${escapeHtml(link.approver)}"><input type="hidden" name="exp" value="${escapeHtml(link.exp)}">${link.iat === undefined ? '' : `<input type="hidden" name="iat" value="${escapeHtml(link.iat)}">`}<input type="hidden" name="sig" value="${escapeHtml(link.sig)}"><input type="hidden" name="formToken" value="${escapeHtml(token)}">`;

const OUTCOME_WORD: Record<string, string> = {
  APPROVED: 'approved',
  REJECTED: 'rejected',
  SUPERSEDED: 'closed as superseded',
  EXPIRED: 'not decided in time (expired)',
  STOPPED: 'not released: its execution was stopped',
};

const decisionBanner = (record: ApprovalRecord) => {
  const d = record.decision;
  if (!d) return '';
  const what = OUTCOME_WORD[d.outcome] ?? d.outcome.toLowerCase();
  const after =
    record.status !== d.outcome
      ? ` Then the execution no longer waited: ${escapeHtml(OUTCOME_WORD[record.status] ?? record.status)}.`
      : d.outcome === 'APPROVED' && !record.resumedAt
        ? ' The execution has not confirmed that it resumed yet.'
        : '';
  return `<div class="banner ${d.outcome === 'APPROVED' && record.resumedAt ? 'ok' : 'bad'}" id="decision">This release was <strong>${escapeHtml(what)}</strong>${d.by ? ` by ${escapeHtml(d.by)}` : ''} at ${localTime(d.at)}${d.reason ? `: ${escapeHtml(d.reason)}` : ''}.${after}</div>`;
};

const fleetsInOrder = (e: Evidence) =>
  (e.rollout ?? [])
    .map((f) => `${f.fleet} (${f.waves.map((w) => w.name).join(' → ')})`)
    .join(', then ');

/** What approving, rejecting and not deciding do, in plain words. */
const consequences = (record: ApprovalRecord, e: Evidence) => {
  const what = `${record.modelPackageGroupName} v${record.modelPackageVersion}`;
  const more = record.quorum - record.approvals.length;
  return `<h2>What your decision does</h2>
<ul class="plain" id="consequences">
<li><strong>Approve</strong>: ${
    more > 1
      ? `counts as one of the ${escapeHtml(record.quorum)} approvals needed (${escapeHtml(more)} still missing); once they are in, `
      : ''
  }the waiting execution resumes, checks that ${escapeHtml(what)} is still the approved version in the model registry, then deploys ${escapeHtml(e.components?.model?.name)} <strong>${escapeHtml(e.components?.model?.version)}</strong> and ${escapeHtml(e.components?.inference?.name)} <strong>${escapeHtml(e.components?.inference?.version)}</strong> to ${escapeHtml(fleetsInOrder(e))}, one fleet after the other, wave by wave. A wave whose failures pass its threshold is cancelled and its fleet rolled back to the release it ran before.</li>
<li><strong>Reject</strong>: nothing goes to production. The execution ends as rejected with your reason, the release team is notified, and the outcome is written on the model package. To release a fixed model, approve a new version in the model registry.</li>
<li><strong>No decision by the deadline</strong>: the execution ends as timed out; nothing goes to production.</li>
</ul>`;
};

const reportLine = (e: Evidence, reportUrl?: string) =>
  reportUrl
    ? `<p><a id="twin-report" href="${escapeHtml(reportUrl)}" target="_blank" rel="noopener noreferrer">Open the full twin report</a> <span class="muted">(JSON; the link works for 15 minutes — reload this page for a new one)</span></p>`
    : `<p class="muted" id="twin-report-missing">The full report is kept at <code>${escapeHtml(e.twinTests?.reportUri)}</code>; a link to it could not be made just now (reload the page to try again).</p>`;

/** The evidence page with the two decision forms (or the decision, once made). */
export const approvalPage = (record: ApprovalRecord, view: PageView): string => {
  const { link, token, notice, reportUrl } = view;
  const decidable = view.decidable ?? record.status === 'PENDING';
  const e = record.evidence as Evidence;
  const probes = e.twinTests?.probes ?? [];
  const rows = (items: string[]) => items.join('') || '<tr><td class="muted">none</td></tr>';
  const diff = e.twin?.diff;
  const deadline = new Date(deadlineOf(record) * 1000).toISOString();
  const body = `
<h1>${escapeHtml(record.modelPackageGroupName)} version ${escapeHtml(record.modelPackageVersion)}</h1>
<p class="muted">Stage ${escapeHtml(e.stage)} · approver <strong>${escapeHtml(link.approver)}</strong> · ${escapeHtml(record.approvals.length)} of ${escapeHtml(record.quorum)} approvals so far</p>
<p id="deadline">Decide before ${localTime(deadline, 'deadline-time')}</p>
${notice ? `<div class="banner info" id="notice">${escapeHtml(notice)}</div>` : ''}
${decisionBanner(record)}
<h2>Model metrics</h2>
${metricsSection(record.modelPackageVersion, e.metrics)}
<h2>Twin tests: <span class="${e.twinTests?.passed ? 'pass' : 'fail'}" id="twin-verdict">${e.twinTests?.passed ? 'passed' : 'failed'}</span></h2>
<p>${escapeHtml(e.twinTests?.summary)}</p>
<table id="probes"><tr><th>Probe</th><th>Result</th><th>Evidence</th></tr>
${rows(probes.map((p) => `<tr><td>${escapeHtml(p.name)}</td><td class="${p.passed ? 'pass' : 'fail'}">${p.passed ? 'pass' : 'fail'}</td><td>${escapeHtml(p.summary)}</td></tr>`))}
</table>
${reportLine(e, reportUrl)}
${diff ? `<p class="muted">On the twin: added ${escapeHtml((diff.added ?? []).map((c) => `${c.name} ${c.version}`).join(', ') || 'nothing')}; changed ${escapeHtml((diff.changed ?? []).map((c) => `${c.name} ${c.from}→${c.to}`).join(', ') || 'nothing')}; kept ${escapeHtml((diff.kept ?? []).length)} other component(s).</p>` : ''}
${consequences(record, e)}
<table id="rollout"><tr><th>Fleet</th><th>Wave</th><th>Target</th><th>Abort above</th></tr>
${rows((e.rollout ?? []).flatMap((f) => f.waves.map((w) => `<tr><td>${escapeHtml(f.fleet)}</td><td>${escapeHtml(w.name)}</td><td><code>${escapeHtml(w.targetArn)}</code></td><td>${escapeHtml(w.abortAbovePercent)}% after ${escapeHtml(w.minExecutedThings)} devices</td></tr>`)))}
</table>
<h2>Model registry</h2>
<table>
<tr><th>Model package</th><td><code>${escapeHtml(record.modelPackageArn)}</code></td></tr>
<tr><th>Approval note</th><td>${escapeHtml(e.registry?.approvalDescription ?? '—')}</td></tr>
${Object.entries(e.registry?.customerMetadata ?? {})
  .map(([k, v]) => `<tr><th>${escapeHtml(k)}</th><td>${escapeHtml(v)}</td></tr>`)
  .join('')}
</table>
${
  record.status !== 'PENDING' && record.outbox && !record.resumedAt
    ? `<h2>Not resumed yet</h2>
<form method="post" action="${escapeHtml(record.approvalId)}/decision">${hidden(link, token)}<input type="hidden" name="decision" value="retry">
<p>The decision is recorded; send it to the waiting execution again.</p>
<button type="submit" id="retry">Retry</button></form>`
    : decidable
      ? `<h2>Your decision</h2>
<form method="post" action="${escapeHtml(record.approvalId)}/decision">${hidden(link, token)}<input type="hidden" name="decision" value="approve">
<label for="confirm-approve">Type the version number <strong>${escapeHtml(record.modelPackageVersion)}</strong> to confirm</label>
<input type="text" id="confirm-approve" name="confirmVersion" autocomplete="off" required>
<label for="comment">Comment (optional)</label><input type="text" id="comment" name="comment" maxlength="500">
<button type="submit" id="approve">Approve for production</button></form>
<form method="post" action="${escapeHtml(record.approvalId)}/decision">${hidden(link, token)}<input type="hidden" name="decision" value="reject">
<label for="confirm-reject">Type the version number <strong>${escapeHtml(record.modelPackageVersion)}</strong> to confirm</label>
<input type="text" id="confirm-reject" name="confirmVersion" autocomplete="off" required>
<label for="reason">Reason (required)</label><textarea id="reason" name="reason" maxlength="1000" required></textarea>
<button type="submit" id="reject">Reject</button></form>`
      : ''
}`;
  return layout(`Approve ${record.modelPackageGroupName} v${record.modelPackageVersion}`, body);
};
