import { ListInstalledComponentsCommand } from '@aws-sdk/client-greengrassv2';
import { classifyAwsError } from '../../shared/errors';
import type { ProbeDeps, ProbeResult, TwinContext } from './types';

type Finding = { device: string; component: string; version?: string; state: string };

/**
 * Our components run on every twin core device, in the version we deployed:
 * RUNNING, or FINISHED for components that run once (the model component only unpacks).
 */
export const componentHealth = async (
  ctx: TwinContext,
  probe: { finishedIsHealthy: string[] },
  { greengrass }: Pick<ProbeDeps, 'greengrass'>,
): Promise<ProbeResult> => {
  const target = ctx.plan.targets.find((t) => t.name === ctx.plan.twin.platform)!;
  const expected: Record<string, { version: string; finishedOk: boolean }> = {
    [target.modelComponent.name]: { version: target.modelComponent.version, finishedOk: true },
    [ctx.plan.inferenceComponent.name]: {
      version: ctx.plan.inferenceComponent.version,
      finishedOk: probe.finishedIsHealthy.includes(ctx.plan.inferenceComponent.name),
    },
  };
  const unhealthy: Finding[] = [];
  for (const device of ctx.devices) {
    const installed = new Map<string, { version?: string; state?: string }>();
    let nextToken: string | undefined;
    try {
      do {
        const page = await greengrass.send(
          new ListInstalledComponentsCommand({
            coreDeviceThingName: device,
            topologyFilter: 'ALL',
            nextToken,
          }),
        );
        for (const c of page.installedComponents ?? []) {
          if (c.componentName)
            installed.set(c.componentName, {
              version: c.componentVersion,
              state: c.lifecycleState,
            });
        }
        nextToken = page.nextToken;
      } while (nextToken);
    } catch (error) {
      throw classifyAwsError(error, `ListInstalledComponents ${device}`);
    }
    for (const [component, want] of Object.entries(expected)) {
      const have = installed.get(component);
      const healthy =
        have?.version === want.version &&
        (have.state === 'RUNNING' || (want.finishedOk && have.state === 'FINISHED'));
      if (!healthy) {
        unhealthy.push({
          device,
          component,
          version: have?.version,
          state: have?.state ?? 'NOT_INSTALLED',
        });
      }
    }
  }
  const passed = ctx.devices.length > 0 && unhealthy.length === 0;
  return {
    name: 'component-health',
    type: 'component-health',
    passed,
    evidence: { devices: ctx.devices.length, unhealthy: unhealthy.slice(0, 25) },
    summary: passed
      ? `components healthy on ${ctx.devices.length} twin device(s)`
      : ctx.devices.length === 0
        ? 'the twin target has no core devices'
        : `${unhealthy.length} unhealthy: ${unhealthy
            .slice(0, 3)
            .map((f) => `${f.component}@${f.version ?? '-'} ${f.state} on ${f.device}`)
            .join('; ')}`,
  };
};
