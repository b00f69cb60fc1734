import { createHash } from 'node:crypto';

/**
 * Deterministic randomness: every decision of the simulation (device failures, latencies,
 * injected API faults) is a pure function of the seed and a label, so a run under the same
 * `--seed` behaves the same.
 */
export const uniform = (seed: string | number, ...labels: (string | number)[]): number => {
  const digest = createHash('sha256')
    .update([seed, ...labels].join('\u0000'))
    .digest();
  return digest.readUInt32BE(0) / 0x1_0000_0000;
};

/** A seeded stream of numbers in [0, 1), for sequences (e.g. one fault decision per request). */
export const stream = (seed: string | number, label: string) => {
  let i = 0;
  return () => uniform(seed, label, i++);
};
