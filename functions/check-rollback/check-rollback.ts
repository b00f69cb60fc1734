import type { Logger } from '@aws-lambda-powertools/logger';
import { type Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import {
  GetDeploymentCommand,
  type GreengrassV2Client,
  ListInstalledComponentsCommand,
} from '@aws-sdk/client-greengrassv2';
import {
  DescribeJobCommand,
  type IoTClient,
  type JobExecutionStatus,
  ListJobExecutionsForJobCommand,
} from '@aws-sdk/client-iot';
import { countsOf, type JobCounts } from '../check-deployment/settle';
import {
  type RollBackFleetOutput,
  RollBackFleetOutputSchema,
} from '../roll-back-fleet/rollback-state';
import type { TargetClients } from '../shared/assume-role';
import type { Clock } from '../shared/clock';
import { classifyAwsError } from '../shared/errors';
import { continuePolling, DEPLOYMENT_POLL, type PollState } from '../shared/polling';
import { parseInput } from '../shared/validate';
import * as z from '../shared/zod-mini';
import {
  fleetRollbackSentence,
  rollbackSettled,
  runsBadRelease,
  type StillBad,
} from './rollback-verdict';

const InputSchema = z.object({
  modelPackageVersion: z.int(),
  rollback: RollBackFleetOutputSchema,
});
export type CheckRollbackInput = z.input<typeof InputSchema>;
export type CheckRollbackOutput = RollBackFleetOutput & {
  done: boolean;
  /** True only when every device this run touched runs the previous release again. */
  verified?: boolean;
  stillBad?: StillBad[];
  /** Error and cause for Record Failure: the original failure plus what the rollback did. */
  cause?: string;
};
export type CheckRollbackDeps = {
  clientsFor: (roleArn: string | undefined) => TargetClients;
  logger: Logger;
  now: Clock;
  metrics?: Metrics;
};

/** How many devices are asked what they run, at most, per verification. */
const DEVICE_CHECKS = 50;
const NOT_RESTORED: JobExecutionStatus[] = [
  'FAILED',
  'TIMED_OUT',
  'REJECTED',
  'IN_PROGRESS',
  'QUEUED',
  'CANCELED',
];

const readJob = async (greengrass: GreengrassV2Client, iot: IoTClient, deploymentId: string) => {
  try {
    const d = await greengrass.send(new GetDeploymentCommand({ deploymentId }));
    if (!d.iotJobId) return { counts: undefined as JobCounts | undefined, jobId: undefined };
    const { job } = await iot.send(new DescribeJobCommand({ jobId: d.iotJobId }));
    return {
      counts: countsOf(job?.jobProcessDetails as Record<string, number> | undefined),
      jobId: d.iotJobId,
    };
  } catch (error) {
    throw classifyAwsError(error, `reading rollback deployment ${deploymentId}`);
  }
};

/**
 * Verifies a rollback like a rollout: polls each rollback deployment's job until it settled
 * (offline devices wait out the grace period), then asks every device whose execution did not
 * succeed (bounded: a page per status, at most 50 devices) what it runs. Only when none runs
 * the failed release does the cause say "on all devices"; otherwise it names each such device
 * and the RollbacksIncomplete metric (alarm) is published.
 */
export const checkRollback = async (
  rawInput: CheckRollbackInput,
  { clientsFor, logger, now, metrics }: CheckRollbackDeps,
): Promise<CheckRollbackOutput> => {
  const { rollback, modelPackageVersion } = parseInput(InputSchema, rawInput);
  const at = now();
  const jobs: {
    fleet: (typeof rollback.fleets)[number];
    wave: string;
    jobId?: string;
    counts?: JobCounts;
  }[] = [];
  let settled = true;
  for (const fleet of rollback.fleets) {
    const { greengrass, iot } = clientsFor(fleet.roleArn as string | undefined);
    const graceOver = at.getTime() >= Date.parse(rollback.startedAt) + fleet.graceMinutes * 60_000;
    for (const wave of fleet.waves) {
      if (!wave.changed && !wave.created) continue;
      const job = await readJob(greengrass, iot, wave.deploymentId);
      jobs.push({ fleet, wave: wave.wave, ...job });
      if (!rollbackSettled(job.counts, graceOver)) settled = false;
    }
  }
  const base: RollBackFleetOutput = rollback;
  if (!settled && at.getTime() < Date.parse(rollback.poll.deadline)) {
    const poll: PollState = continuePolling(rollback.poll, at, DEPLOYMENT_POLL, 'rollback');
    return { ...base, done: false, poll };
  }

  const stillBad: StillBad[] = [];
  let truncated = false;
  let asked = 0;
  for (const { fleet, wave, jobId, counts } of jobs) {
    if (!jobId || !counts) continue;
    const { greengrass, iot } = clientsFor(fleet.roleArn as string | undefined);
    const unsettled =
      counts.failed +
      counts.timedOut +
      counts.rejected +
      counts.inProgress +
      counts.queued +
      counts.canceled;
    if (unsettled === 0) continue;
    for (const status of NOT_RESTORED) {
      let executions: { thingArn?: string }[];
      try {
        const page = await iot.send(
          new ListJobExecutionsForJobCommand({ jobId, status, maxResults: 25 }),
        );
        executions = page.executionSummaries ?? [];
        if (page.nextToken) truncated = true;
      } catch (error) {
        throw classifyAwsError(error, `listing ${status} devices of job ${jobId}`);
      }
      for (const e of executions) {
        const device = e.thingArn?.slice(e.thingArn.lastIndexOf('/') + 1);
        if (!device) continue;
        if (asked >= DEVICE_CHECKS) {
          truncated = true;
          break;
        }
        asked++;
        try {
          const { installedComponents } = await greengrass.send(
            new ListInstalledComponentsCommand({ coreDeviceThingName: device, maxResults: 100 }),
          );
          if (runsBadRelease(installedComponents ?? [], fleet.bad as never)) {
            stillBad.push({ device, fleet: fleet.fleet, wave, status });
          }
        } catch (error) {
          throw classifyAwsError(error, `ListInstalledComponents of ${device}`);
        }
      }
    }
  }

  const sentences = rollback.fleets
    .filter((f) => f.waves.some((w) => w.changed || w.created))
    .map((f) =>
      fleetRollbackSentence(
        {
          fleet: f.fleet,
          finished: f.finished,
          restored: f.restored,
          waves: f.waves.filter((w) => w.changed || w.created).map((w) => w.wave),
        },
        modelPackageVersion,
        stillBad.filter((d) => d.fleet === f.fleet),
        truncated,
      ),
    );
  if (rollback.kept.length)
    sentences.push(
      `kept on v${modelPackageVersion} (onLaterFleetFailure: keep): ${rollback.kept.join(', ')}`,
    );
  for (const l of rollback.lost)
    sentences.push(`NOT rolled back ${l.fleet}: its lease is held by ${l.holder}`);
  const verified = stillBad.length === 0 && !truncated && rollback.lost.length === 0;
  if (!verified) {
    logger.error('rollback incomplete', { stillBad, truncated, lost: rollback.lost });
    metrics?.addMetric('RollbacksIncomplete', MetricUnit.Count, 1);
  }
  const cause = [rollback.error.Cause, ...sentences].filter(Boolean).join('; ');
  return { ...base, done: true, verified, stillBad, cause };
};
