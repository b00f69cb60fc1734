import { distance } from 'ml-distance';
import type { Baseline } from '../shared/drift-baseline';

/**
 * The drift distance: Jensen–Shannon divergence between the baseline's and the window's
 * distributions, in bits, so 0 means identical and 1 means disjoint (docs/monitoring.md says
 * why JS rather than PSI or KS). ml-distance computes it in nats; we divide by ln 2.
 *
 * Both histograms get half a count per bin before normalising (additive smoothing): an
 * empty bin would otherwise give 0·log 0, which ml-distance returns as NaN.
 */
const SMOOTHING = 0.5;

const normalise = (counts: number[]) => {
  const smoothed = counts.map((c) => c + SMOOTHING);
  const total = smoothed.reduce((a, b) => a + b, 0);
  return smoothed.map((c) => c / total);
};

/** Bin of a value: edges e0 < e1 < … < en define n bins; the outer bins are open-ended. */
export const binOf = (edges: number[], value: number) => {
  const last = edges.length - 2;
  for (let i = 0; i < last; i++) if (value < edges[i + 1]!) return i;
  return last;
};

export const histogram = (edges: number[], values: number[]) => {
  const counts = new Array<number>(edges.length - 1).fill(0);
  for (const v of values) counts[binOf(edges, v)]! += 1;
  return counts;
};

/** JS divergence in bits between two count (or proportion) vectors of the same bins. */
export const divergence = (expected: number[], observed: number[]) => {
  // Proportions of the baseline become pseudo-counts on the window's scale, so smoothing
  // weighs the same on both sides.
  const n = observed.reduce((a, b) => a + b, 0) || 1;
  const p = normalise(expected.map((x) => x * n));
  const q = normalise(observed);
  return Math.max(0, Math.min(1, distance.jensenShannon(p, q) / Math.LN2));
};

export type Scores = { features: Record<string, number>; prediction: number; score: number };

/** A window's records in columns: the values of each feature, and the count of each label. */
export type Columns = {
  features: Record<string, number[]>;
  predictions: Record<string, number>;
};

export const columnsOf = (
  records: { features: Record<string, number>; prediction: string }[],
): Columns => {
  const columns: Columns = { features: {}, predictions: {} };
  for (const r of records) {
    for (const [name, value] of Object.entries(r.features)) {
      columns.features[name] ??= [];
      columns.features[name].push(value);
    }
    columns.predictions[r.prediction] = (columns.predictions[r.prediction] ?? 0) + 1;
  }
  return columns;
};

/**
 * Scores of one fleet's window: one divergence per baseline feature and one for the
 * predictions (labels the baseline does not know count in an extra bin); the fleet's drift
 * score is the largest of them, so one drifted feature is enough to notice.
 */
export const driftScoresOf = (baseline: Baseline, window: Columns): Scores => {
  const features: Record<string, number> = {};
  for (const [name, f] of Object.entries(baseline.features))
    features[name] = divergence(f.proportions, histogram(f.edges, window.features[name] ?? []));
  const labels = Object.keys(baseline.predictions);
  const observed = new Array<number>(labels.length + 1).fill(0);
  for (const [label, count] of Object.entries(window.predictions)) {
    const i = labels.indexOf(label);
    observed[i < 0 ? labels.length : i]! += count;
  }
  const prediction = divergence([...labels.map((l) => baseline.predictions[l]!), 0], observed);
  return { features, prediction, score: Math.max(prediction, ...Object.values(features)) };
};

export const driftScores = (
  baseline: Baseline,
  records: { features: Record<string, number>; prediction: string }[],
): Scores => driftScoresOf(baseline, columnsOf(records));
