import type { ProbeResult, TwinContext } from './types';

/** Every twin device applied the deployment (from the IoT job counters). */
export const deploymentHealth = (ctx: TwinContext): ProbeResult => {
  const { status, counts, reason, devices } = ctx.deployment;
  const failures = counts.failed + counts.timedOut + counts.rejected;
  const passed = status === 'SUCCEEDED' && failures === 0;
  return {
    name: 'deployment-health',
    type: 'deployment-health',
    passed,
    evidence: {
      status,
      counts,
      failedDevices: devices?.failed ?? [],
      ...(reason ? { reason } : {}),
    },
    summary: passed
      ? `${counts.succeeded} twin device(s) applied the deployment`
      : `deployment ${status}: ${reason ?? `${failures} device(s) failed`}`,
  };
};
