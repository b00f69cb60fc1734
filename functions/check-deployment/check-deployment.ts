import type { Logger } from '@aws-lambda-powertools/logger';
import type { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { GetDeploymentCommand } from '@aws-sdk/client-greengrassv2';
import {
  DescribeJobCommand,
  type IoTClient,
  type JobExecutionStatus,
  ListJobExecutionsForJobCommand,
} from '@aws-sdk/client-iot';
import type { TargetClients } from '../shared/assume-role';
import type { Clock } from '../shared/clock';
import { classifyAwsError, WaitTimedOut } from '../shared/errors';
import { unhealthyDevices } from '../shared/greengrass/health';
import { continuePolling, DEPLOYMENT_POLL, type PollState } from '../shared/polling';
import type { MetricAnalysis } from '../shared/stage-config/schema';
import { parseInput } from '../shared/validate';
import { type WatchedDeployment, WatchedDeploymentSchema } from '../shared/watched-deployment';
import * as z from '../shared/zod-mini';
import { bakeVerdict } from './bake';
import {
  countsOf,
  type DeploymentVerdict,
  devicesOf,
  failuresOf,
  type JobCounts,
  judge as judgeCounts,
} from './settle';

export type { DeploymentVerdict, JobCounts } from './settle';

const InputSchema = z.object({ deployment: z.looseObject(WatchedDeploymentSchema.shape) });
export type CheckDeploymentInput = z.input<typeof InputSchema>;

export type CheckDeploymentOutput = WatchedDeployment & {
  status: DeploymentVerdict;
  done: boolean;
  counts: JobCounts;
  /** Failed share of executed devices, in percent. */
  failureRate: number;
  reason?: string;
  /** Production waves that did not succeed: the human cause of RolloutAborted. */
  summary?: string;
  poll: PollState;
  /** The deployment's IoT job, once GetDeployment names it. */
  iotJobId?: string;
  /** Device ids, read only once the outcome is known (at most a page each). */
  devices?: { failed: string[]; stuck: string[]; offline: string[] };
};

export type CheckDeploymentDeps = {
  clientsFor: (roleArn: string | undefined) => TargetClients;
  /** The metric analysis's client, built on its first use (see handler.ts). */
  cloudwatch?: () => Promise<CloudWatchClient>;
  logger: Logger;
  now: Clock;
};

const DEVICE_PAGE = 25;
/**
 * While a wave bakes, health is read at least this often, and at the bake's end: the bound on
 * how late a fleet that turned unhealthy is noticed. A bake of up to 10 minutes (the default is
 * 5) is read once, at its end; crashes do not heal by themselves (a BROKEN component stays
 * broken until redeployed), so the end still sees them.
 */
const BAKE_HEALTH_INTERVAL_SECONDS = 600;

/** The wait before the next health read of a bake: never past its end nor the wave's poll ceiling. */
export const bakeWaitSeconds = (remainingSeconds: number, ceiling?: number) =>
  Math.max(
    1,
    Math.min(remainingSeconds, ceiling ?? Number.POSITIVE_INFINITY, BAKE_HEALTH_INTERVAL_SECONDS),
  );

/** Positional form kept for callers of the first version; see settle.ts. */
export const judge = (
  counts: JobCounts,
  processing: number,
  jobStatus: string | undefined,
  deploymentStatus: string | undefined,
  abort: WatchedDeployment['abort'],
  graceOver = false,
) => judgeCounts({ counts, processing, jobStatus, deploymentStatus, abort, graceOver });

const deviceIds = async (iot: IoTClient, jobId: string, statuses: JobExecutionStatus[]) => {
  const ids: string[] = [];
  for (const status of statuses) {
    const { executionSummaries } = await iot.send(
      new ListJobExecutionsForJobCommand({ jobId, status, maxResults: DEVICE_PAGE }),
    );
    for (const e of executionSummaries ?? []) {
      const thing = e.thingArn?.slice(e.thingArn.lastIndexOf('/') + 1);
      if (thing) ids.push(thing);
    }
  }
  return ids.slice(0, DEVICE_PAGE);
};

type Named = WatchedDeployment & { fleet?: string; waveName?: string };

/** The cause a person reads when a wave aborts: wave, counts, threshold, devices. */
export const waveSummary = (
  d: Named,
  status: DeploymentVerdict,
  reason: string | undefined,
  counts: JobCounts,
  devices: { failed: string[]; stuck: string[]; offline: string[] },
) => {
  const failed = failuresOf(counts);
  const executed = failed + counts.succeeded;
  const threshold = d.abort
    ? ` [threshold ${d.abort.failureThresholdPercentage}% after ${d.abort.minExecutedThings} devices; counts ${JSON.stringify(counts)}]`
    : '';
  const named = (label: string, ids: string[]) =>
    ids.length ? `; ${label}: ${ids.slice(0, 10).join(', ')}` : '';
  return (
    `wave ${d.waveName ?? d.targetArn} of fleet ${d.fleet ?? '?'} ${status}: ${reason ?? `${failed} of ${executed} devices failed`}${threshold}` +
    named('failed devices', devices.failed) +
    named('stuck devices', devices.stuck) +
    named('offline devices', devices.offline)
  );
};

/**
 * When devices still QUEUED stop holding the wave back: `graceMinutes` after the rollout could
 * have reached every device. A rate-limited rollout notifies devices over time, and an IoT job
 * execution the rollout has not reached yet is QUEUED too, exactly like an offline device's,
 * so the grace period only starts once the slowest rollout rate could have notified all of
 * them (total / rolloutPerMinute minutes after the start).
 */
export const graceEndOf = (deployment: Named, counts: JobCounts): Date | undefined => {
  if (deployment.startedAt === undefined || deployment.graceMinutes === undefined) return undefined;
  const rolloutMinutes = deployment.rolloutPerMinute
    ? Math.ceil(devicesOf(counts) / deployment.rolloutPerMinute)
    : 0;
  return new Date(
    Date.parse(deployment.startedAt) + (rolloutMinutes + deployment.graceMinutes) * 60_000,
  );
};

/**
 * One status poll of a deployment: GetDeployment and the IoT job's aggregate counters,
 * two calls whatever the fleet size. Device ids are read only when the outcome is known
 * (failed and offline devices) or the deadline has passed (stuck devices), one page each.
 * A production wave then bakes: each poll reads the group's unhealthy core devices (and
 * the fleet's metric analysis, if any) until `bakeUntil`.
 */
export const checkDeployment = async (
  rawInput: CheckDeploymentInput,
  { clientsFor, cloudwatch, logger, now }: CheckDeploymentDeps,
): Promise<CheckDeploymentOutput> => {
  const { deployment } = parseInput(InputSchema, rawInput) as { deployment: Named };
  const { greengrass, iot } = clientsFor(deployment.roleArn);
  let deploymentStatus: string | undefined;
  let jobId: string | undefined;
  let counts = countsOf(undefined);
  let processing = 0;
  let jobStatus: string | undefined;
  try {
    const got = await greengrass.send(
      new GetDeploymentCommand({ deploymentId: deployment.deploymentId }),
    );
    deploymentStatus = got.deploymentStatus;
    jobId = got.iotJobId;
    if (jobId) {
      const { job } = await iot.send(new DescribeJobCommand({ jobId }));
      counts = countsOf(job?.jobProcessDetails as Record<string, number> | undefined);
      processing = job?.jobProcessDetails?.processingTargets?.length ?? 0;
      jobStatus = job?.status;
    }
  } catch (error) {
    throw classifyAwsError(error, `reading deployment ${deployment.deploymentId}`);
  }

  const at = now();
  const graceEnd = graceEndOf(deployment, counts);
  const graceOver = graceEnd !== undefined && at >= graceEnd;
  const verdict = judgeCounts({
    counts,
    processing,
    jobStatus,
    deploymentStatus,
    abort: deployment.abort,
    graceOver,
  });
  // The job id lets Watch Wave register for the job's cancellation event (shared/wave-watch.ts).
  const base = {
    ...deployment,
    counts,
    failureRate: verdict.failureRate,
    ...(jobId ? { iotJobId: jobId } : {}),
  };
  const listDevices = async (statuses: JobExecutionStatus[]) =>
    jobId ? deviceIds(iot, jobId, statuses).catch(() => []) : [];
  const production = deployment.abort !== undefined;

  if (verdict.status === 'SUCCEEDED' && production && (deployment.bakeMinutes ?? 0) > 0) {
    const bakeUntil =
      deployment.bakeUntil ??
      new Date(at.getTime() + (deployment.bakeMinutes ?? 0) * 60_000).toISOString();
    // Read until the count decides: one more than the threshold's share of the succeeded
    // devices aborts the wave (a fixed number of pages would let a huge fleet pass the bake
    // with most of its devices broken). A healthy fleet costs one page whatever its size.
    const { failureThresholdPercentage } = deployment.abort!;
    const decisive = Math.floor((failureThresholdPercentage * counts.succeeded) / 100) + 1;
    const unhealthy = await unhealthyDevices(
      greengrass,
      deployment.targetArn,
      decisive > counts.succeeded
        ? { maxPages: 1 }
        : { enough: decisive, maxPages: Math.max(1, Math.ceil(decisive / 100)) },
    );
    const analysis = deployment.analysis as MetricAnalysis | undefined;
    // Imported here, with the CloudWatch SDK it needs, so a bundle evaluates them only when a
    // bake has an analysis to run, not in every cold start's Init.
    const metric =
      analysis && cloudwatch
        ? await (await import('./metric-analysis')).analyseMetric(
            await cloudwatch(),
            analysis,
            new Date(Date.parse(bakeUntil) - (deployment.bakeMinutes ?? 0) * 60_000),
            at,
          )
        : undefined;
    const bake = bakeVerdict({
      now: at.getTime(),
      bakeUntil: Date.parse(bakeUntil),
      succeeded: counts.succeeded,
      unhealthy,
      failureThresholdPercentage: deployment.abort!.failureThresholdPercentage,
      metric,
    });
    if (bake.status === 'BAKING') {
      const remaining = Math.ceil((Date.parse(bakeUntil) - at.getTime()) / 1000);
      return {
        ...base,
        status: 'BAKING',
        done: false,
        bakeUntil,
        poll: {
          ...deployment.poll,
          attempt: deployment.poll.attempt + 1,
          waitSeconds: bakeWaitSeconds(remaining, deployment.poll.maxWaitSeconds),
        },
      };
    }
    const offline = counts.queued > 0 ? await listDevices(['QUEUED']) : [];
    const failed =
      failuresOf(counts) > 0 ? await listDevices(['FAILED', 'TIMED_OUT', 'REJECTED']) : [];
    const devices = { failed, stuck: [], offline };
    const reason = [verdict.reason, bake.reason].filter(Boolean).join('; ') || undefined;
    logger.info('wave baked', { deploymentId: deployment.deploymentId, bake, counts });
    return {
      ...base,
      status: bake.status,
      ...(reason ? { reason } : {}),
      ...(bake.status === 'ABORTED'
        ? { summary: waveSummary(deployment, 'ABORTED', bake.reason, counts, devices) }
        : {}),
      done: true,
      bakeUntil,
      poll: deployment.poll,
      devices,
    };
  }

  if (verdict.status !== 'IN_PROGRESS') {
    const failed =
      failuresOf(counts) > 0 ? await listDevices(['FAILED', 'TIMED_OUT', 'REJECTED']) : [];
    const offline = counts.queued > 0 ? await listDevices(['QUEUED']) : [];
    const devices = { failed, stuck: [], offline };
    logger.info('deployment settled', { deploymentId: deployment.deploymentId, verdict, counts });
    return {
      ...base,
      ...verdict,
      ...(production && verdict.status !== 'SUCCEEDED'
        ? { summary: waveSummary(deployment, verdict.status, verdict.reason, counts, devices) }
        : {}),
      done: true,
      poll: deployment.poll,
      devices,
    };
  }

  if (at.getTime() >= Date.parse(deployment.poll.deadline)) {
    const stuck = await listDevices(['QUEUED', 'IN_PROGRESS']);
    const reason = `deployment ${deployment.deploymentId} to ${deployment.targetArn} not finished by ${deployment.poll.deadline}; ${counts.queued} queued, ${counts.inProgress} in progress${stuck.length ? ` (e.g. ${stuck.join(', ')})` : ''}`;
    // A production wave that hangs is a failed wave (rolled back); the twin just fails.
    if (!production) throw new WaitTimedOut(reason);
    const devices = { failed: [], stuck, offline: [] };
    return {
      ...base,
      status: 'ABORTED',
      reason,
      summary: waveSummary(deployment, 'ABORTED', reason, counts, { ...devices, stuck: [] }),
      done: true,
      poll: deployment.poll,
      devices,
    };
  }

  // Two calls a poll whatever the fleet size, and polls that grow with the log of the wave's
  // duration: the wait follows the devices' own progress and the rollout rate (shared/polling.ts).
  const progress = deployment.startedAt
    ? {
        startedAt: deployment.startedAt,
        done: counts.succeeded + failuresOf(counts) + counts.canceled + counts.removed,
        succeeded: counts.succeeded,
        inProgress: counts.inProgress,
        queued: counts.queued,
        total: devicesOf(counts),
        ...(deployment.rollout ? { rollout: deployment.rollout } : {}),
        ...(graceEnd ? { graceEnd } : {}),
      }
    : undefined;
  const poll = continuePolling(
    deployment.poll,
    at,
    DEPLOYMENT_POLL,
    `deployment ${deployment.deploymentId}`,
    progress,
    graceEnd,
  );
  return { ...base, status: 'IN_PROGRESS', done: false, poll };
};
