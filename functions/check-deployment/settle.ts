import type { WatchedDeployment } from '../shared/watched-deployment';
import type { JobCounts } from './job-counts';

export type { JobCounts } from './job-counts';

export const DEPLOYMENT_VERDICTS = [
  'IN_PROGRESS',
  'BAKING',
  'SUCCEEDED',
  'FAILED',
  'ABORTED',
] as const;
export type DeploymentVerdict = (typeof DEPLOYMENT_VERDICTS)[number];

export const countsOf = (details: Record<string, number | undefined> | undefined): JobCounts => ({
  succeeded: details?.numberOfSucceededThings ?? 0,
  failed: details?.numberOfFailedThings ?? 0,
  timedOut: details?.numberOfTimedOutThings ?? 0,
  rejected: details?.numberOfRejectedThings ?? 0,
  canceled: details?.numberOfCanceledThings ?? 0,
  removed: details?.numberOfRemovedThings ?? 0,
  queued: details?.numberOfQueuedThings ?? 0,
  inProgress: details?.numberOfInProgressThings ?? 0,
});

export const failuresOf = (c: JobCounts) => c.failed + c.timedOut + c.rejected;

/** Every device the job reaches, whatever its execution's status. */
export const devicesOf = (c: JobCounts) => Object.values(c).reduce((a, b) => a + b, 0);

export type SettleInput = {
  counts: JobCounts;
  /** Thing groups IoT is still expanding into job executions. */
  processing: number;
  jobStatus?: string;
  deploymentStatus?: string;
  abort?: WatchedDeployment['abort'];
  /**
   * The wave's grace period has passed: executions still QUEUED belong to offline devices
   * (IoT keeps them QUEUED, and starts their timeout only at IN_PROGRESS), so they no longer
   * hold the wave back.
   */
  graceOver?: boolean;
};

/**
 * Pure: what the job counters say about a deployment. Only devices that reported count
 * (succeeded, failed, timed out, rejected); an offline device is neither a success nor a
 * failure, so it can never abort a wave. Once everything that can report has reported, the
 * failure share is judged against the threshold whatever the number of devices.
 */
export const judge = ({
  counts,
  processing,
  jobStatus,
  deploymentStatus,
  abort,
  graceOver = false,
}: SettleInput): { status: DeploymentVerdict; failureRate: number; reason?: string } => {
  const failures = failuresOf(counts);
  const executed = counts.succeeded + failures;
  const failureRate = executed === 0 ? 0 : Math.round((failures / executed) * 10000) / 100;
  const over = (threshold: number) =>
    `${failures} of ${executed} devices failed (${failureRate}%), over the ${threshold}% threshold`;
  if (jobStatus === 'CANCELED' || deploymentStatus === 'CANCELED') {
    return {
      status: abort ? 'ABORTED' : 'FAILED',
      failureRate,
      reason: 'the deployment job was cancelled (abort criteria met or cancelled by hand)',
    };
  }
  if (
    abort &&
    executed >= abort.minExecutedThings &&
    failureRate > abort.failureThresholdPercentage
  ) {
    return { status: 'ABORTED', failureRate, reason: over(abort.failureThresholdPercentage) };
  }
  if (deploymentStatus === 'FAILED')
    return { status: 'FAILED', failureRate, reason: 'Greengrass reports the deployment FAILED' };
  const waiting = counts.inProgress > 0 || (counts.queued > 0 && !graceOver);
  const settled = processing === 0 && !waiting && executed > 0;
  if (deploymentStatus === 'COMPLETED' || settled) {
    if (failures === 0) return { status: 'SUCCEEDED', failureRate };
    if (!abort)
      return { status: 'FAILED', failureRate, reason: `${failures} of ${executed} devices failed` };
    // Everyone who could report did: the minimum of executed devices no longer applies.
    if (failureRate > abort.failureThresholdPercentage)
      return { status: 'ABORTED', failureRate, reason: over(abort.failureThresholdPercentage) };
    return {
      status: 'SUCCEEDED',
      failureRate,
      reason: `${failures} of ${executed} devices failed, within the ${abort.failureThresholdPercentage}% threshold`,
    };
  }
  return { status: 'IN_PROGRESS', failureRate };
};
