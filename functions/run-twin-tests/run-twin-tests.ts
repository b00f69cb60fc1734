import { type GreengrassV2Client, ListCoreDevicesCommand } from '@aws-sdk/client-greengrassv2';
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { z } from 'zod';
import type { CheckDeploymentOutput } from '../check-deployment/check-deployment';
import type { TargetClients } from '../shared/assume-role';
import { classifyAwsError } from '../shared/errors';
import { shortHash } from '../shared/names';
import { ReleaseInputSchema } from '../shared/release-input';
import { parseInput } from '../shared/validate';
import { componentHealth } from './probes/component-health';
import { customProbe } from './probes/custom';
import { deploymentHealth } from './probes/deployment-health';
import { inferenceSmoke } from './probes/inference-smoke';
import type { ProbeDeps, ProbeResult, TwinContext } from './probes/types';
import { stateOutput, type TwinTestsOutput } from './state-output';

const InputSchema = ReleaseInputSchema.extend({
  twin: z
    .object({
      deploymentId: z.string(),
      targetArn: z.string(),
      status: z.string(),
      counts: z.object({}).passthrough(),
    })
    .passthrough()
    .transform((t) => t as unknown as CheckDeploymentOutput),
});
export type RunTwinTestsInput = z.input<typeof InputSchema>;

/** The state's copy of the report, bounded (state-output.ts); the full report is in S3. */
export type TwinTestReport = TwinTestsOutput;

export type RunTwinTestsDeps = Omit<ProbeDeps, 'greengrass'> & {
  clientsFor: (roleArn: string | undefined) => TargetClients;
  s3: S3Client;
  config: ProbeDeps['config'] & { artifactBucket: string };
};

/** The core devices of a thing (itself) or a thing group (all its core devices). */
export const twinDevices = async (
  greengrass: GreengrassV2Client,
  targetArn: string,
): Promise<string[]> => {
  const name = targetArn.slice(targetArn.indexOf('/') + 1);
  if (/:thing\//.test(targetArn)) return [name];
  const devices: string[] = [];
  let nextToken: string | undefined;
  try {
    do {
      const page = await greengrass.send(
        new ListCoreDevicesCommand({ thingGroupArn: targetArn, nextToken }),
      );
      for (const d of page.coreDevices ?? [])
        if (d.coreDeviceThingName) devices.push(d.coreDeviceThingName);
      nextToken = page.nextToken;
    } while (nextToken);
  } catch (error) {
    throw classifyAwsError(error, `ListCoreDevices ${targetArn}`);
  }
  return devices.sort();
};

/**
 * Runs the profile's probes against the twin in order and writes the full report to S3.
 * Never throws for a failing probe: the report is evidence for humans either way, and the
 * state machine branches on `passed`. Reruns overwrite the same report and smoke requests.
 */
export const runTwinTests = async (
  rawInput: RunTwinTestsInput,
  deps: RunTwinTestsDeps,
): Promise<TwinTestReport> => {
  const { plan, twin } = parseInput(InputSchema, rawInput);
  const { greengrass } = deps.clientsFor(plan.twin.roleArn);
  const devices = await twinDevices(greengrass, plan.twin.targetArn);
  const ctx: TwinContext = {
    plan,
    deployment: twin,
    devices,
    runId: shortHash(plan.executionArn, 16),
  };
  const probeDeps: ProbeDeps = { ...deps, greengrass };

  const probes: ProbeResult[] = [];
  for (const probe of plan.twin.tests) {
    switch (probe.type) {
      case 'deployment-health':
        probes.push(deploymentHealth(ctx));
        break;
      case 'component-health':
        probes.push(await componentHealth(ctx, probe, probeDeps));
        break;
      case 'inference-smoke':
        probes.push(await inferenceSmoke(ctx, probe, probeDeps));
        break;
      case 'custom':
        probes.push(await customProbe(ctx, probe, probeDeps));
        break;
    }
  }

  const passed = probes.every((p) => p.passed);
  const failed = probes.filter((p) => !p.passed);
  const summary = passed
    ? `all ${probes.length} twin tests passed`
    : `${failed.length} of ${probes.length} twin tests failed: ${failed.map((p) => `${p.name}: ${p.summary}`).join(' | ')}`;
  const key = `${plan.stage}/${plan.modelPackageGroupName}/${plan.modelPackageVersion}/twin-tests/${plan.executionName}.json`;
  const report = {
    ...plan.twin,
    modelPackageArn: plan.modelPackageArn,
    executionArn: plan.executionArn,
    passed,
    summary,
    devices,
    probes,
    finishedAt: new Date(deps.now()).toISOString(),
  };
  try {
    await deps.s3.send(
      new PutObjectCommand({
        Bucket: deps.config.artifactBucket,
        Key: key,
        Body: JSON.stringify(report, null, 2),
        ContentType: 'application/json',
      }),
    );
  } catch (error) {
    throw classifyAwsError(error, 'writing the twin test report');
  }
  deps.logger.info('twin tests finished', { passed, summary });
  return stateOutput({
    passed,
    summary,
    probes,
    reportUri: `s3://${deps.config.artifactBucket}/${key}`,
    devices,
  });
};
