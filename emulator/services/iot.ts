import { AwsError, epoch } from '../http';
import type { World } from '../world';

/**
 * AWS IoT (REST JSON): the jobs Greengrass makes for deployments. DescribeJob returns the
 * aggregate counters (`jobProcessDetails`) that rollout monitoring reads, whatever the
 * fleet size; ListJobExecutionsForJob pages through devices by status. Jobs, like things
 * and thing groups, belong to one account: the caller's (a view of the world per account).
 */
type Query = URLSearchParams;

export const iot = (world: World) => {
  // A job belongs to the account of its deployment's target: another account's does not exist.
  const findJob = (jobId: string) => {
    const job = world.fleet.jobs.get(jobId);
    if (!job || job.account !== world.account)
      throw new AwsError('ResourceNotFoundException', `Job ${jobId} does not exist`, 404);
    return job;
  };
  return {
    'GET /jobs/{jobId}': async (_body: unknown, params: Record<string, string>) => {
      const job = findJob(params.jobId!);
      const now = world.clock.now();
      const c = world.fleet.counts(job, now);
      const stopped = world.fleet.stoppedAt(job, now);
      const deployment = world.deployments.get(job.deploymentId);
      const group = /:thinggroup\//.test(job.targetArn);
      const settled = c.QUEUED + c.IN_PROGRESS === 0;
      return {
        job: {
          jobArn: job.jobArn,
          jobId: job.jobId,
          targetSelection: group ? 'CONTINUOUS' : 'SNAPSHOT',
          status:
            stopped !== undefined ? 'CANCELED' : !group && settled ? 'COMPLETED' : 'IN_PROGRESS',
          targets: [job.targetArn],
          description: `Greengrass deployment ${job.deploymentId}`,
          createdAt: epoch(job.createdAt),
          lastUpdatedAt: epoch(now),
          jobExecutionsRolloutConfig: (
            deployment?.iotJobConfiguration as { jobExecutionsRolloutConfig?: unknown }
          )?.jobExecutionsRolloutConfig,
          jobProcessDetails: {
            processingTargets: [],
            numberOfCanceledThings: c.CANCELED,
            numberOfSucceededThings: c.SUCCEEDED,
            numberOfFailedThings: c.FAILED,
            numberOfRejectedThings: 0,
            numberOfQueuedThings: c.QUEUED,
            numberOfInProgressThings: c.IN_PROGRESS,
            numberOfRemovedThings: c.REMOVED,
            numberOfTimedOutThings: c.TIMED_OUT,
          },
        },
      };
    },

    'GET /jobs/{jobId}/things': async (
      _body: unknown,
      params: Record<string, string>,
      query: Query,
    ) => {
      const job = findJob(params.jobId!);
      const status = query.get('status') ?? undefined;
      const max = Number(query.get('maxResults') ?? 50);
      const token = query.get('nextToken');
      let from: string | undefined;
      try {
        from = token ? Buffer.from(token, 'base64url').toString('utf8') : undefined;
        if (from) JSON.parse(from);
      } catch {
        throw new AwsError('InvalidRequestException', `nextToken ${token} is not valid`);
      }
      // Only the page's devices are computed (a job of 100,000 is never listed whole).
      // API_ListJobExecutionsForJob: maxResults 1–250, nextToken for the rest; the order of
      // executions is not documented: here cohort by cohort (name order in small groups).
      const { items, nextToken: next } = world.fleet.executionsPage(
        job,
        world.clock.now(),
        status as never,
        from,
        Math.min(max > 0 ? max : 50, 250),
      );
      const nextToken = next ? Buffer.from(next).toString('base64url') : undefined;
      return {
        executionSummaries: items.map((e, i) => ({
          thingArn: world.fleet.thingArn(e.thing),
          jobExecutionSummary: {
            status: e.status,
            queuedAt: epoch(e.queuedAt),
            executionNumber: i + 1,
          },
        })),
        ...(nextToken ? { nextToken } : {}),
      };
    },
  };
};
