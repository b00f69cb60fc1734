/**
 * When IoT notifies the device at each position of a job's rollout. Without an exponential
 * rate, `maximumPerMinute` devices a minute from the start. With one, the job starts at
 * `baseRatePerMinute` and multiplies the rate by `incrementFactor` each time another
 * `rateIncreaseCriteria` devices were notified, never above `maximumPerMinute` (IoT API
 * reference, AwsJobExponentialRolloutRate and AwsJobRateIncreaseCriteria; Greengrass API
 * reference, IoTJobExponentialRolloutRate, IoTJobExecutionsRolloutConfig).
 *
 * Simplification, stated in docs/local-mode.md: a `numberOfSucceededThings` criterion is
 * counted on notified devices, as if every notified device succeeded at once. Successes never
 * come before notifications, so the emulator's ramp is never later than AWS's.
 */
export type ExponentialRate = {
  baseRatePerMinute: number;
  incrementFactor: number;
  rateIncreaseCriteria: { numberOfNotifiedThings?: number; numberOfSucceededThings?: number };
};

/** The ramp's steps: `every` devices each, the last one at the maximum rate for the rest. */
export type RolloutLadder = {
  every: number;
  steps: { startsAtMs: number; perMinute: number }[];
};

const MINUTE = 60_000;
/** incrementFactor ≥ 1.1 and rates ≤ 1,000 give at most 73 steps; this bounds a bad input. */
const MAX_STEPS = 200;

export const rolloutLadder = (
  maximumPerMinute: number,
  exponential: ExponentialRate | undefined,
): RolloutLadder | undefined => {
  const every =
    exponential?.rateIncreaseCriteria.numberOfNotifiedThings ??
    exponential?.rateIncreaseCriteria.numberOfSucceededThings;
  if (!exponential || !every || every < 1) return undefined;
  const steps: RolloutLadder['steps'] = [];
  let rate = Math.max(1, Math.min(exponential.baseRatePerMinute, maximumPerMinute));
  let startsAtMs = 0;
  while (steps.length < MAX_STEPS) {
    steps.push({ startsAtMs, perMinute: rate });
    const next = Math.min(maximumPerMinute, rate * exponential.incrementFactor);
    if (next <= rate) break;
    startsAtMs += (every * MINUTE) / rate;
    rate = next;
  }
  return { every, steps };
};

/** Milliseconds from the job's creation to the turn of the device at `position`. */
export const turnOffsetMs = (
  perMinute: number,
  ladder: RolloutLadder | undefined,
  position: number,
) => {
  if (!ladder) return Math.floor((position * MINUTE) / perMinute);
  const s = Math.min(Math.floor(position / ladder.every), ladder.steps.length - 1);
  const step = ladder.steps[s]!;
  return Math.floor(step.startsAtMs + ((position - s * ladder.every) * MINUTE) / step.perMinute);
};
