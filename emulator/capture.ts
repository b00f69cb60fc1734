import type { CaptureRecord } from '../functions/shared/capture-contract';
import type { Baseline } from '../functions/shared/drift-baseline';
import { stream } from './random';

/**
 * What the simulated inference component captures (functions/shared/capture-contract.ts):
 * per inference two summary features of the input image and the predicted label. Without
 * drift the values follow SAMPLE_BASELINE; `drift` (0 to 1) shifts the brightness towards
 * the bright end and flips that share of "ok" answers to "defect", as a dirtier lens or new
 * lighting would.
 */
export const SAMPLE_BASELINE: Baseline = {
  features: {
    brightness: {
      edges: [0, 0.2, 0.4, 0.6, 0.8, 1],
      proportions: [0.05, 0.2, 0.5, 0.2, 0.05],
    },
    contrast: {
      edges: [0, 0.25, 0.5, 0.75, 1],
      proportions: [0.1, 0.4, 0.4, 0.1],
    },
  },
  predictions: { ok: 0.7, defect: 0.3 },
};

/** A value drawn from a baseline histogram: a bin by its proportion, uniform inside it. */
const draw = (random: () => number, edges: number[], proportions: number[]) => {
  const total = proportions.reduce((a, b) => a + b, 0);
  let u = random() * total;
  let bin = 0;
  while (bin < proportions.length - 1 && u >= proportions[bin]!) u -= proportions[bin++]!;
  return edges[bin]! + random() * (edges[bin + 1]! - edges[bin]!);
};

export type CaptureOptions = {
  seed: string;
  thingName: string;
  modelGroup: string;
  modelVersion: number;
  drift: number;
  count: number;
  /** Times of the records spread over [startMs, startMs + spanMs). */
  startMs: number;
  spanMs: number;
};

export const simulatedCaptures = (o: CaptureOptions): CaptureRecord[] => {
  const random = stream(o.seed, `capture/${o.thingName}/${o.startMs}`);
  const b = SAMPLE_BASELINE.features;
  return Array.from({ length: o.count }, (_, i) => {
    const brightness = draw(random, b.brightness!.edges, b.brightness!.proportions);
    const shifted = Math.min(0.999, brightness + o.drift * 0.5);
    const okShare = SAMPLE_BASELINE.predictions.ok! * (1 - o.drift);
    return {
      time: new Date(o.startMs + Math.floor((i * o.spanMs) / o.count)).toISOString(),
      thingName: o.thingName,
      modelGroup: o.modelGroup,
      modelVersion: o.modelVersion,
      inferenceId: `${o.thingName}-${o.startMs}-${i}`,
      features: {
        brightness: Math.round(shifted * 1000) / 1000,
        contrast:
          Math.round(draw(random, b.contrast!.edges, b.contrast!.proportions) * 1000) / 1000,
      },
      prediction: random() < okShare ? 'ok' : 'defect',
      latencyMs: Math.round(20 + random() * 30),
    };
  });
};
