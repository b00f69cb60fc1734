import { createHash } from 'node:crypto';
import { type ApprovalRecord, deadlineOf } from '../shared/approval/store';

/**
 * The approval page: self-contained HTML (no script, no external asset), rendered by pure
 * functions. A decision needs a deliberate act a link scanner will not perform: typing
 * the model version into the form before pressing the button.
 */
const STYLE = `
body{font:15px/1.45 system-ui,sans-serif;margin:0;background:#f5f6f8;color:#1d2330}
main{max-width:880px;margin:24px auto;background:#fff;padding:24px 32px;border-radius:8px;box-shadow:0 1px 3px #0002}
h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:24px 0 8px;border-bottom:1px solid #e3e6ea;padding-bottom:4px}
table{border-collapse:collapse;width:100%}td,th{text-align:left;padding:4px 8px;border-bottom:1px solid #eef0f3;vertical-align:top}
.pass{color:#0a7a32;font-weight:600}.fail{color:#b3261e;font-weight:600}.muted{color:#5b6372}
code{background:#f0f2f5;padding:1px 4px;border-radius:3px;word-break:break-all}
form{display:inline-block;vertical-align:top;margin:8px 24px 8px 0;padding:12px 16px;border:1px solid #e3e6ea;border-radius:6px;min-width:300px}
label{display:block;margin:6px 0 2px}input[type=text],textarea{width:100%;box-sizing:border-box;padding:6px;font:inherit}
button{margin-top:10px;padding:8px 18px;font:inherit;border:0;border-radius:5px;cursor:pointer;color:#fff}
#approve{background:#0a7a32}#reject{background:#b3261e}#retry{background:#1a56c4}.banner{padding:12px 16px;border-radius:6px;margin:12px 0}
.ok{background:#e6f4ea}.bad{background:#fce8e6}.info{background:#e8f0fe}`;

export const STYLE_HASH = createHash('sha256').update(STYLE).digest('base64');

/** Strict headers for every response: no caching, no framing, no external anything. */
export const SECURITY_HEADERS: Record<string, string> = {
  'content-type': 'text/html; charset=utf-8',
  'cache-control': 'no-store',
  'content-security-policy': `default-src 'none'; style-src 'sha256-${STYLE_HASH}'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'`,
  'x-frame-options': 'DENY',
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
};

export const escapeHtml = (value: unknown): string =>
  String(value ?? '')
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')
    .replaceAll("'", '&#39;');

const layout = (title: string, body: string) =>
  `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><meta name="robots" content="noindex"><title>${escapeHtml(title)}</title><style>${STYLE}</style></head><body><main>${body}</main></body></html>`;

/** A page that refuses or informs: forged, expired, already decided, not an approver. */
export const messagePage = (title: string, message: string, kind: 'bad' | 'info' | 'ok' = 'bad') =>
  layout(
    title,
    `<h1>${escapeHtml(title)}</h1><div class="banner ${kind}" id="message">${escapeHtml(message)}</div>`,
  );

type Probe = { name: string; type: string; passed: boolean; summary: string; evidence?: unknown };
type Evidence = {
  stage?: string;
  registry?: {
    approvalDescription?: string;
    createdAt?: string;
    customerMetadata?: Record<string, string>;
    metrics?: { kind: string; s3Uri: string }[];
  };
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

export type LinkFields = { approver: string; exp: string; sig: string };

const hidden = (link: LinkFields, token: string) =>
  `<input type="hidden" name="approver" value="${escapeHtml(link.approver)}"><input type="hidden" name="exp" value="${escapeHtml(link.exp)}"><input type="hidden" name="sig" value="${escapeHtml(link.sig)}"><input type="hidden" name="formToken" value="${escapeHtml(token)}">`;

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
  return `<div class="banner ${d.outcome === 'APPROVED' && record.resumedAt ? 'ok' : 'bad'}" id="decision">This release was <strong>${escapeHtml(what)}</strong>${d.by ? ` by ${escapeHtml(d.by)}` : ''} at ${escapeHtml(d.at)}${d.reason ? `: ${escapeHtml(d.reason)}` : ''}.${after}</div>`;
};

/** The evidence page with the two decision forms (or the decision, once made). */
export const approvalPage = (
  record: ApprovalRecord,
  link: LinkFields,
  token: string,
  notice?: string,
  decidable = record.status === 'PENDING',
): string => {
  const e = record.evidence as Evidence;
  const probes = e.twinTests?.probes ?? [];
  const rows = (items: string[]) => items.join('') || '<tr><td class="muted">none</td></tr>';
  const diff = e.twin?.diff;
  const body = `
<h1>${escapeHtml(record.modelPackageGroupName)} version ${escapeHtml(record.modelPackageVersion)}</h1>
<p class="muted">Stage ${escapeHtml(e.stage)} · approver <strong>${escapeHtml(link.approver)}</strong> · ${escapeHtml(record.approvals.length)} of ${escapeHtml(record.quorum)} approvals so far · decide before ${escapeHtml(new Date(deadlineOf(record) * 1000).toISOString())}</p>
${notice ? `<div class="banner info" id="notice">${escapeHtml(notice)}</div>` : ''}
${decisionBanner(record)}
<h2>Model registry</h2>
<table>
<tr><th>Model package</th><td><code>${escapeHtml(record.modelPackageArn)}</code></td></tr>
<tr><th>Approval note</th><td>${escapeHtml(e.registry?.approvalDescription ?? '—')}</td></tr>
${Object.entries(e.registry?.customerMetadata ?? {})
  .map(([k, v]) => `<tr><th>${escapeHtml(k)}</th><td>${escapeHtml(v)}</td></tr>`)
  .join('')}
${(e.registry?.metrics ?? []).map((m) => `<tr><th>${escapeHtml(m.kind)}</th><td><code>${escapeHtml(m.s3Uri)}</code></td></tr>`).join('')}
</table>
<h2>Twin tests: <span class="${e.twinTests?.passed ? 'pass' : 'fail'}" id="twin-verdict">${e.twinTests?.passed ? 'passed' : 'failed'}</span></h2>
<p>${escapeHtml(e.twinTests?.summary)}</p>
<table id="probes"><tr><th>Probe</th><th>Result</th><th>Evidence</th></tr>
${rows(probes.map((p) => `<tr><td>${escapeHtml(p.name)}</td><td class="${p.passed ? 'pass' : 'fail'}">${p.passed ? 'pass' : 'fail'}</td><td>${escapeHtml(p.summary)}</td></tr>`))}
</table>
<p class="muted">Full report: <code>${escapeHtml(e.twinTests?.reportUri)}</code></p>
<h2>What approval does</h2>
<p>Deploys ${escapeHtml(e.components?.model?.name)} <strong>${escapeHtml(e.components?.model?.version)}</strong> and ${escapeHtml(e.components?.inference?.name)} <strong>${escapeHtml(e.components?.inference?.version)}</strong> to these fleets, one after the other, wave by wave; a wave over its failure threshold is cancelled and its fleet rolled back.</p>
<table id="rollout"><tr><th>Fleet</th><th>Wave</th><th>Target</th><th>Abort above</th></tr>
${rows((e.rollout ?? []).flatMap((f) => f.waves.map((w) => `<tr><td>${escapeHtml(f.fleet)}</td><td>${escapeHtml(w.name)}</td><td><code>${escapeHtml(w.targetArn)}</code></td><td>${escapeHtml(w.abortAbovePercent)}% after ${escapeHtml(w.minExecutedThings)} devices</td></tr>`)))}
</table>
${diff ? `<p class="muted">On the twin: added ${escapeHtml((diff.added ?? []).map((c) => `${c.name} ${c.version}`).join(', ') || 'nothing')}; changed ${escapeHtml((diff.changed ?? []).map((c) => `${c.name} ${c.from}→${c.to}`).join(', ') || 'nothing')}; kept ${escapeHtml((diff.kept ?? []).length)} other component(s).</p>` : ''}
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
