import type { Logger } from '@aws-lambda-powertools/logger';
import { GetDeploymentCommand } from '@aws-sdk/client-greengrassv2';
import {
  DescribeJobCommand,
  type IoTClient,
  type JobExecutionStatus,
  ListJobExecutionsForJobCommand,
} from '@aws-sdk/client-iot';
import { z } from 'zod';
import type { TargetClients } from '../shared/assume-role';
import { classifyAwsError, WaitTimedOut } from '../shared/errors';
import { continuePolling, DEPLOYMENT_POLL, type PollState } from '../shared/polling';
import { type WatchedDeployment, WatchedDeploymentSchema } from '../shared/release-input';
import { parseInput } from '../shared/validate';

const InputSchema = z.object({ deployment: WatchedDeploymentSchema.passthrough() });
export type CheckDeploymentInput = z.input<typeof InputSchema>;

export type JobCounts = {
  succeeded: number;
  failed: number;
  timedOut: number;
  rejected: number;
  canceled: number;
  removed: number;
  queued: number;
  inProgress: number;
};

export type DeploymentVerdict = 'IN_PROGRESS' | 'SUCCEEDED' | 'FAILED' | 'ABORTED';

export type CheckDeploymentOutput = WatchedDeployment & {
  status: DeploymentVerdict;
  done: boolean;
  counts: JobCounts;
  /** Failed share of executed devices, in percent. */
  failureRate: number;
  reason?: string;
  poll: PollState;
  /** Device ids, read only once the outcome is known (at most a page each). */
  devices?: { failed: string[]; stuck: string[] };
};

export type CheckDeploymentDeps = {
  clientsFor: (roleArn: string | undefined) => TargetClients;
  logger: Logger;
  now: () => Date;
};

const DEVICE_PAGE = 25;

const countsOf = (details: Record<string, number | undefined> | undefined): JobCounts => ({
  succeeded: details?.numberOfSucceededThings ?? 0,
  failed: details?.numberOfFailedThings ?? 0,
  timedOut: details?.numberOfTimedOutThings ?? 0,
  rejected: details?.numberOfRejectedThings ?? 0,
  canceled: details?.numberOfCanceledThings ?? 0,
  removed: details?.numberOfRemovedThings ?? 0,
  queued: details?.numberOfQueuedThings ?? 0,
  inProgress: details?.numberOfInProgressThings ?? 0,
});

const failuresOf = (c: JobCounts) => c.failed + c.timedOut + c.rejected;

/** Pure: what the counters say about a deployment. */
export const judge = (
  counts: JobCounts,
  processing: number,
  jobStatus: string | undefined,
  deploymentStatus: string | undefined,
  abort: WatchedDeployment['abort'],
): { status: DeploymentVerdict; failureRate: number; reason?: string } => {
  const failures = failuresOf(counts);
  const executed = counts.succeeded + failures;
  const failureRate = executed === 0 ? 0 : Math.round((failures / executed) * 10000) / 100;
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
    return {
      status: 'ABORTED',
      failureRate,
      reason: `${failures} of ${executed} devices failed (${failureRate}%), over the ${abort.failureThresholdPercentage}% threshold`,
    };
  }
  if (deploymentStatus === 'FAILED')
    return { status: 'FAILED', failureRate, reason: 'Greengrass reports the deployment FAILED' };
  const settled =
    processing === 0 && counts.queued === 0 && counts.inProgress === 0 && executed > 0;
  if (deploymentStatus === 'COMPLETED' || settled) {
    if (failures === 0) return { status: 'SUCCEEDED', failureRate };
    return abort
      ? {
          status: 'SUCCEEDED',
          failureRate,
          reason: `${failures} of ${executed} devices failed, within the ${abort.failureThresholdPercentage}% threshold`,
        }
      : { status: 'FAILED', failureRate, reason: `${failures} of ${executed} devices failed` };
  }
  return { status: 'IN_PROGRESS', failureRate };
};

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

/**
 * One status poll of a deployment: GetDeployment and the IoT job's aggregate counters,
 * two calls whatever the fleet size. Device ids are read only when the outcome is known
 * (failed devices) or the deadline has passed (stuck devices), one page at most.
 */
export const checkDeployment = async (
  rawInput: CheckDeploymentInput,
  { clientsFor, logger, now }: CheckDeploymentDeps,
): Promise<CheckDeploymentOutput> => {
  const { deployment } = parseInput(InputSchema, rawInput);
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

  const verdict = judge(counts, processing, jobStatus, deploymentStatus, deployment.abort);
  const base = { ...deployment, counts, failureRate: verdict.failureRate };
  const listDevices = async (statuses: JobExecutionStatus[]) =>
    jobId ? deviceIds(iot, jobId, statuses).catch(() => []) : [];

  if (verdict.status !== 'IN_PROGRESS') {
    const failed =
      failuresOf(counts) > 0 ? await listDevices(['FAILED', 'TIMED_OUT', 'REJECTED']) : [];
    logger.info('deployment settled', { deploymentId: deployment.deploymentId, verdict, counts });
    return {
      ...base,
      ...verdict,
      done: true,
      poll: deployment.poll,
      devices: { failed, stuck: [] },
    };
  }

  if (now().getTime() >= Date.parse(deployment.poll.deadline)) {
    const stuck = await listDevices(['QUEUED', 'IN_PROGRESS']);
    const reason = `deployment ${deployment.deploymentId} to ${deployment.targetArn} not finished by ${deployment.poll.deadline}; ${counts.queued} queued, ${counts.inProgress} in progress${stuck.length ? ` (e.g. ${stuck.join(', ')})` : ''}`;
    // A production wave that hangs is a failed wave (rolled back); the twin just fails.
    if (!deployment.abort) throw new WaitTimedOut(reason);
    return {
      ...base,
      status: 'ABORTED',
      reason,
      done: true,
      poll: deployment.poll,
      devices: { failed: [], stuck },
    };
  }

  const poll = continuePolling(
    deployment.poll,
    now(),
    DEPLOYMENT_POLL,
    `deployment ${deployment.deploymentId}`,
  );
  return { ...base, status: 'IN_PROGRESS', done: false, poll };
};
