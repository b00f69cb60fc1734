import type { Logger } from '@aws-lambda-powertools/logger';
import { SendTaskSuccessCommand, type SFNClient } from '@aws-sdk/client-sfn';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Clock } from './clock';
import { TASK_TOKEN_GONE } from './error-taxonomy';
import { classifyAwsError } from './errors';

/**
 * A wave waiting in `Watch Wave` (a `.waitForTaskToken` task that times out after the
 * adaptive wait) is woken early when IoT cancels the wave's job: IoT Jobs publishes
 * `$aws/events/job/<jobId>/canceled` once the cancellation is complete (AWS IoT developer
 * guide, "Jobs events"), the job-events rule invokes record-job-event, and whichever of the
 * two writes second to the job's watch item sends SendTaskSuccess. One item per IoT job id.
 */
export const waveWatchKey = (jobId: string) => ({ pk: `wave-watch#${jobId}`, sk: 'watch' });

/** An IoT job id as AWS IoT accepts one (CreateJob: jobId, [a-zA-Z0-9_-]+, 1 to 64 characters). */
export const IOT_JOB_ID = /^[a-zA-Z0-9_-]{1,64}$/;

/** What both sides of a watch need: the watch items, Step Functions to wake the task, a clock. */
export type WaveWatchDeps = {
  store: { dynamo: DynamoDBDocumentClient; table: string };
  sfn: SFNClient;
  logger: Logger;
  now: Clock;
};

/** How long a watch item outlives its wave's deadline (TTL attribute `expiresAt`). */
export const WATCH_RETENTION_SECONDS = 7 * 24 * 3600;

export const expiresAtAfter = (deadline: Date) =>
  Math.ceil(deadline.getTime() / 1000) + WATCH_RETENTION_SECONDS;

export type WakeReason = 'settled' | 'canceled';

/**
 * Resumes a waiting `Watch Wave` task. A token whose task already closed (timed out into
 * Check Wave, or answered by the other side) is not an error: the wave is checked anyway.
 */
export const wake = async (
  sfn: SFNClient,
  taskToken: string,
  output: { reason: WakeReason; jobId?: string },
): Promise<'woken' | 'already closed'> => {
  try {
    await sfn.send(new SendTaskSuccessCommand({ taskToken, output: JSON.stringify(output) }));
    return 'woken';
  } catch (error) {
    if ((TASK_TOKEN_GONE as readonly string[]).includes((error as Error).name))
      return 'already closed';
    throw classifyAwsError(error, 'resuming the wave watch');
  }
};
