import * as z from '../shared/zod-mini';

const count = () => z.int().check(z.gte(0));

/**
 * An IoT job's devices by execution status (DescribeJob `jobProcessDetails`), for the tasks
 * that read them from Check Deployment's output. Check Deployment and Check Rollback build
 * the counts themselves (settle.ts) and never parse them: they import only the type.
 */
export const JobCountsSchema = z.object({
  succeeded: count(),
  failed: count(),
  timedOut: count(),
  rejected: count(),
  canceled: count(),
  removed: count(),
  queued: count(),
  inProgress: count(),
});
export type JobCounts = z.infer<typeof JobCountsSchema>;
