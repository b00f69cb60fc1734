import { GetDeploymentCommand } from '@aws-sdk/client-greengrassv2';
import { ListJobExecutionsForJobCommand } from '@aws-sdk/client-iot';
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { TargetClients } from '../shared/assume-role';
import { classifyAwsError } from '../shared/errors';
import { shortHash } from '../shared/names';
import type { Plan } from '../shared/plan';
import { ReleaseInputSchema } from '../shared/release-input';
import { parseInput } from '../shared/validate';
import * as z from '../shared/zod-mini';
import { componentHealth } from './probes/component-health';
import { customProbe } from './probes/custom';
import { deploymentHealth } from './probes/deployment-health';
import { inferenceSmoke } from './probes/inference-smoke';
import {
  type ProbeDeps,
  type ProbeResult,
  type TwinContext,
  TwinDeploymentSchema,
} from './probes/types';
import { stateOutput, type TwinTestsOutput } from './state-output';

const InputSchema = z.extend(ReleaseInputSchema, {
  twin: TwinDeploymentSchema,
});
export type RunTwinTestsInput = z.input<typeof InputSchema>;

/** The state's copy of the report, bounded (state-output.ts); the full report is in S3. */
export type TwinTestReport = TwinTestsOutput;

export type RunTwinTestsDeps = Omit<ProbeDeps, 'greengrass'> & {
  clientsFor: (roleArn: string | undefined) => TargetClients;
  s3: S3Client;
  config: ProbeDeps['config'] & { artifactBucket: string };
  /**
   * Where the tests end: throws unless this run held the twin's lease throughout
   * (`Superseded` when a newer version took it over), then frees the twin (shared/twin-lease.ts).
   */
  endTwinLease: (plan: Plan) => Promise<void>;
};

/** Executions of a deployment that no longer stand for a device of the target. */
const NOT_TARGETED = new Set(['REMOVED', 'CANCELED']);

/**
 * The twin's devices for this deployment: the thing itself, or the things its IoT job runs
 * on (its executions, minus devices removed from the group or whose execution was
 * cancelled). Not ListCoreDevices(thingGroupArn): that lists every device that ever
 * succeeded a deployment to the group, including devices since removed from it
 * (API_ListCoreDevices), so it would test devices that never received this version.
 */
export const twinDevices = async (
  { greengrass, iot }: TargetClients,
  twin: { deploymentId: string; targetArn: string },
): Promise<string[]> => {
  const name = twin.targetArn.slice(twin.targetArn.indexOf('/') + 1);
  if (/:thing\//.test(twin.targetArn)) return [name];
  let jobId: string | undefined;
  try {
    ({ iotJobId: jobId } = await greengrass.send(
      new GetDeploymentCommand({ deploymentId: twin.deploymentId }),
    ));
  } catch (error) {
    throw classifyAwsError(error, `GetDeployment ${twin.deploymentId}`);
  }
  if (!jobId) return [];
  const devices: string[] = [];
  let nextToken: string | undefined;
  try {
    do {
      const page = await iot.send(
        new ListJobExecutionsForJobCommand({ jobId, nextToken, maxResults: 100 }),
      );
      for (const e of page.executionSummaries ?? []) {
        const status = e.jobExecutionSummary?.status;
        if (!e.thingArn || (status && NOT_TARGETED.has(status))) continue;
        devices.push(e.thingArn.slice(e.thingArn.lastIndexOf('/') + 1));
      }
      nextToken = page.nextToken;
    } while (nextToken);
  } catch (error) {
    throw classifyAwsError(error, `ListJobExecutionsForJob ${jobId}`);
  }
  return devices.sort();
};

/**
 * Runs the profile's probes against the twin in order, writes the full report to S3 and
 * frees the twin. Never throws for a failing probe: the report is evidence for humans either
 * way, and the state machine branches on `passed`. But only a run that held the twin
 * throughout may be judged by its tests: one whose twin was taken over ends `Superseded`
 * (or untrusted, when the lease expired to another group). Reruns overwrite the same report
 * and smoke requests.
 */
export const runTwinTests = async (
  rawInput: RunTwinTestsInput,
  deps: RunTwinTestsDeps,
): Promise<TwinTestReport> => {
  const { plan, twin } = parseInput(InputSchema, rawInput);
  const clients = deps.clientsFor(plan.twin.roleArn);
  const { greengrass } = clients;
  const devices = await twinDevices(clients, { ...twin, targetArn: plan.twin.targetArn });
  const ctx: TwinContext = {
    plan,
    deployment: twin,
    devices,
    runId: shortHash(plan.executionArn, 16),
  };
  // Smoke requests go to the twin's devices through its account's IoT endpoint.
  const probeDeps: ProbeDeps = { ...deps, greengrass, iotData: clients.iotData ?? deps.iotData };

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
    finishedAt: deps.now().toISOString(),
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
  // Judged after the probes, so that a takeover while they ran counts too.
  await deps.endTwinLease(plan);
  deps.logger.info('twin tests finished', { passed, summary });
  return stateOutput({
    passed,
    summary,
    probes,
    reportUri: `s3://${deps.config.artifactBucket}/${key}`,
    devices,
  });
};
