/**
 * Pure: the verdict of a wave that deployed successfully and now bakes. Greengrass reports a
 * deployment SUCCEEDED once its components started; a component that crashes a minute later
 * does not change that. So for `bakeMinutes` after the wave settled, core device health is
 * read on every poll: a share of unhealthy devices over the wave's failure threshold, or a
 * breached metric analysis, aborts the wave.
 */
export type BakeInput = {
  now: number;
  bakeUntil: number;
  /** Devices that applied the release (the denominator of the unhealthy share). */
  succeeded: number;
  /** `truncated`: more pages than were read, so `count` is a lower bound. */
  unhealthy: { count: number; devices: string[]; truncated?: boolean };
  failureThresholdPercentage: number;
  metric?: { breached: boolean; description: string };
};

export type BakeVerdict = { status: 'BAKING' | 'SUCCEEDED' | 'ABORTED'; reason?: string };

export const bakeVerdict = (input: BakeInput): BakeVerdict => {
  const { unhealthy, succeeded } = input;
  const share = succeeded === 0 ? 0 : Math.round((unhealthy.count / succeeded) * 10000) / 100;
  // Compared unrounded (the share is rounded for people only): just over the threshold aborts.
  if (
    unhealthy.count > 0 &&
    succeeded > 0 &&
    unhealthy.count * 100 > input.failureThresholdPercentage * succeeded
  ) {
    return {
      status: 'ABORTED',
      reason: `${unhealthy.truncated ? 'at least ' : ''}${unhealthy.count} of ${succeeded} devices unhealthy after the deployment (${share}%), over the ${input.failureThresholdPercentage}% threshold: ${unhealthy.devices.join(', ')}`,
    };
  }
  if (input.metric?.breached) {
    return { status: 'ABORTED', reason: `metric analysis failed: ${input.metric.description}` };
  }
  if (input.now >= input.bakeUntil) {
    return {
      status: 'SUCCEEDED',
      ...(unhealthy.count > 0
        ? {
            reason: `${unhealthy.count} of ${succeeded} devices unhealthy, within the ${input.failureThresholdPercentage}% threshold: ${unhealthy.devices.join(', ')}`,
          }
        : {}),
    };
  }
  return { status: 'BAKING' };
};
