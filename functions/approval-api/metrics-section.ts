import type { MetricsComparison } from '../request-approval/evidence';
import type { MetricsEvidence } from '../shared/approval/model-metrics';
import { escapeHtml } from './page';

/**
 * The "Model metrics" section: this version's evaluation next to that of the version live on
 * each target fleet (fleets running the same version share a column), with the difference.
 * What could not be read is said, never left blank.
 */
type Column = { heading: string; evaluation?: MetricsEvidence };

const format = (n: number) =>
  Number.isInteger(n) ? String(n) : n.toPrecision(4).replace(/0+$/, '');

/** Lower is better for error-like metrics (mse, loss, latency …); higher for the rest. */
const LOWER_IS_BETTER =
  /(^|[._])(mse|rmse|mae|mape|loss|error|latency|fpr|fnr|false_positive|false_negative)/i;

const delta = (name: string, candidate: number | undefined, live: number | undefined) => {
  if (candidate === undefined || live === undefined || candidate === live) return '';
  const d = candidate - live;
  const better = LOWER_IS_BETTER.test(name) ? d < 0 : d > 0;
  return ` <span class="${better ? 'better' : 'worse'}">(${d > 0 ? '+' : ''}${format(d)})</span>`;
};

const problemOf = (e: MetricsEvidence | undefined) =>
  !e ? 'nothing live yet' : 'problem' in e ? `evaluation report ${e.problem}` : undefined;

export const metricsSection = (
  version: number,
  comparison: MetricsComparison | undefined,
): string => {
  if (!comparison)
    return '<p class="muted" id="metrics-missing">This approval was requested before metrics were collected.</p>';
  const columns: Column[] = [];
  const byArn = new Map<
    string,
    { fleets: string[]; version?: number; evaluation?: MetricsEvidence }
  >();
  const nothingLive: string[] = [];
  for (const l of comparison.live) {
    if (!l.modelPackageArn) {
      if (l.evaluation)
        columns.push({ heading: `${l.fleet}: release unknown`, evaluation: l.evaluation });
      else nothingLive.push(l.fleet);
      continue;
    }
    const group = byArn.get(l.modelPackageArn) ?? {
      fleets: [],
      version: l.version,
      evaluation: l.evaluation,
    };
    group.fleets.push(l.fleet);
    byArn.set(l.modelPackageArn, group);
  }
  for (const g of byArn.values())
    columns.push({
      heading: `v${g.version} — live on ${g.fleets.join(', ')}`,
      evaluation: g.evaluation,
    });
  const candidate = comparison.candidate;
  const values = (e?: MetricsEvidence) => (e && 'values' in e ? e.values : {});
  const names = [
    ...new Set([
      ...Object.keys(values(candidate)),
      ...columns.flatMap((c) => Object.keys(values(c.evaluation))),
    ]),
  ];
  const head = `<tr><th>Metric</th><th class="num">v${escapeHtml(version)} (this release)</th>${columns.map((c) => `<th class="num">${escapeHtml(c.heading)}</th>`).join('')}</tr>`;
  const rows = names.map((name) => {
    const mine = values(candidate)[name];
    return `<tr><td>${escapeHtml(name)}</td><td class="num">${mine === undefined ? '—' : escapeHtml(format(mine))}</td>${columns
      .map((c) => {
        const theirs = values(c.evaluation)[name];
        return `<td class="num">${theirs === undefined ? '—' : `${escapeHtml(format(theirs))}${delta(name, mine, theirs)}`}</td>`;
      })
      .join('')}</tr>`;
  });
  const notes = [
    problemOf(candidate) ? `This version: ${problemOf(candidate)}.` : '',
    ...columns.map((c) =>
      problemOf(c.evaluation) ? `${c.heading}: ${problemOf(c.evaluation)}.` : '',
    ),
    nothingLive.length
      ? `Nothing of this model is live on ${nothingLive.join(', ')} yet: no comparison there.`
      : '',
  ].filter(Boolean);
  const sources = [
    'source' in candidate && candidate.source
      ? `this version: <code>${escapeHtml(candidate.source)}</code>`
      : '',
    ...columns.map((c) =>
      c.evaluation && 'source' in c.evaluation && c.evaluation.source
        ? `${escapeHtml(c.heading)}: <code>${escapeHtml(c.evaluation.source)}</code>`
        : '',
    ),
  ].filter(Boolean);
  return `${names.length ? `<table id="metrics">${head}${rows.join('')}</table>` : ''}
${notes.length ? `<div class="banner info" id="metrics-notes">${notes.map(escapeHtml).join('<br>')}</div>` : ''}
${sources.length ? `<p class="muted">Evaluation reports (model registry ModelMetrics): ${sources.join('; ')}. Differences are against this release; green is better.</p>` : ''}`;
};
