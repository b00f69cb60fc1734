import { SendTaskSuccessCommand, type SFNClient } from '@aws-sdk/client-sfn';
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
