import { captureBatchKey } from '../functions/shared/capture-contract';
import type { StageConfig } from '../functions/shared/stage-config/schema';
import type { S3Backend } from './backends';
import { SAMPLE_BASELINE, simulatedCaptures } from './capture';
import { cloudWatch } from './services/cloudwatch';
import { installedComponents } from './services/greengrass';
import { sagemakerPipelines } from './services/sagemaker-pipelines';
import type { ModelPackage, World } from './world';

/**
 * The closed loop in local mode (docs/monitoring.md): CloudWatch metrics, the retraining
 * pipelines, the capture buckets with a baseline, and the fleet's inference component
 * writing capture batches. Controls (`/_emulator/loop/…`):
 *  - POST capture {modelGroup, drift, hourStartMs?, recordsPerDevice?}: every fleet device
 *    that runs the group's model writes one batch for that UTC hour (default: the current one);
 *  - POST detect {modelGroup, time}: one scheduled run of detectDrift, as its rule delivers it;
 *  - POST options {registerRetrained}: a finished retraining registers a new version;
 *  - GET state: metrics put and pipeline executions started.
 * Capture batches are written with the emulator's own S3 access: the devices' token
 * exchange role is not checked for them (it is for artifact downloads).
 */
export const closedLoop = (
  world: World,
  config: StageConfig,
  s3: S3Backend,
  deps: {
    emit: (pkg: ModelPackage) => Promise<void>;
    invoke: (functionKey: string, event: unknown) => Promise<unknown>;
  },
) => {
  let registerRetrained = false;
  const cloudwatch = cloudWatch(world);
  const monitored = () =>
    Object.entries(config.modelGroups).filter(([, p]) => p.monitoring) as [
      string,
      StageConfig['modelGroups'][string] & {
        monitoring: NonNullable<StageConfig['modelGroups'][string]['monitoring']>;
      },
    ][];
  const pipelines = sagemakerPipelines(
    world,
    () =>
      new Set(
        monitored()
          .map(([, p]) => p.monitoring.retraining?.pipelineName)
          .filter((n): n is string => Boolean(n)),
      ),
    { registerRetrained: () => registerRetrained, emit: deps.emit },
  );

  /** Capture buckets, and the sample baseline where the config names a baseline document. */
  const provision = async () => {
    for (const [, p] of monitored()) {
      await s3.createBucket(p.monitoring.captureBucket);
      const uri = p.monitoring.baselineUri;
      if (uri && !uri.includes('{version}')) {
        const bucket = /^s3:\/\/([^/]+)\//.exec(uri)?.[1];
        if (bucket) await s3.createBucket(bucket);
        if (!(await s3.exists(uri))) await s3.put(uri, JSON.stringify(SAMPLE_BASELINE));
      }
    }
  };

  const capture = async (body: {
    modelGroup: string;
    drift?: number;
    hourStartMs?: number;
    recordsPerDevice?: number;
  }) => {
    const profile = config.modelGroups[body.modelGroup];
    if (!profile?.monitoring)
      throw new Error(
        `model group ${body.modelGroup} has no monitoring section in the stage config`,
      );
    const drift = Number(body.drift ?? 0);
    if (!(drift >= 0 && drift <= 1)) throw new Error('drift must be between 0 and 1');
    const hour = body.hourStartMs ?? Math.floor(world.clock.now() / 3_600_000) * 3_600_000;
    const perDevice = Number(body.recordsPerDevice ?? 20);
    const modelName = profile.components.model.name;
    let objects = 0;
    let records = 0;
    for (const fleet of profile.fleets) {
      for (const wave of fleet.waves) {
        const group = world.fleet.groups.get(wave.targetArn.slice(wave.targetArn.indexOf('/') + 1));
        for (const thing of group?.members() ?? []) {
          const model = installedComponents(world, thing).find(
            (c) => c.componentName === modelName,
          );
          const version = Number(String(model?.componentVersion ?? '').split('.')[2]);
          if (!model || !Number.isInteger(version)) continue;
          const batch = simulatedCaptures({
            seed: world.options.seed,
            thingName: thing,
            modelGroup: body.modelGroup,
            modelVersion: version,
            drift,
            count: perDevice,
            startMs: hour,
            spanMs: 3_600_000,
          });
          const key = captureBatchKey(
            profile.monitoring.capturePrefix,
            body.modelGroup,
            thing,
            hour,
            0,
          );
          await s3.put(
            `s3://${profile.monitoring.captureBucket}/${key}`,
            batch.map((r) => JSON.stringify(r)).join('\n'),
          );
          objects += 1;
          records += batch.length;
        }
      }
    }
    return { objects, records, hourStart: new Date(hour).toISOString() };
  };

  const admin = async (method: string, path: string, body: any): Promise<unknown> => {
    if (path === 'capture' && method === 'POST') return capture(body);
    if (path === 'detect' && method === 'POST')
      return deps.invoke('detectDrift', { modelGroup: body.modelGroup, time: body.time });
    if (path === 'options' && method === 'POST') {
      if (body.registerRetrained !== undefined) registerRetrained = Boolean(body.registerRetrained);
      return { registerRetrained };
    }
    if (path === 'state' && method === 'GET')
      return { metrics: cloudwatch.datapoints, pipelineExecutions: pipelines.executions };
    throw new Error(`unknown emulator control ${method} loop/${path}`);
  };

  return { cloudwatch: cloudwatch.api, sagemaker: pipelines.api, provision, admin };
};

export type ClosedLoop = ReturnType<typeof closedLoop>;
