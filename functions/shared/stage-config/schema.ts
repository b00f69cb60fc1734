import { z } from 'zod';
import { hiddenPlatform } from '../greengrass/platforms';

/**
 * The schema of `config/<stage>.yml`: one deployment profile per SageMaker model package
 * group. Checked at package time (serverless.yml resolves the file through it, and local
 * mode loads it the same way); Lambdas read the validated result as JSON
 * (`config/resolved/<stage>.json`, see resolved.ts), so a bad file never reaches a running
 * pipeline and neither this schema nor the YAML parser ships in a Lambda.
 * Limits come from the AWS API models; see docs/configuration.md for every field.
 */

/** SageMaker `EntityName`, the shape of a model package group name. */
const MODEL_GROUP_NAME = /^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$/;
const IOT_TARGET_ARN = /^arn:[^:]*:iot:[^:]*:[0-9]+:(thing|thinggroup)\/.+$/;
const THING_GROUP_ARN = /^arn:[^:]*:iot:[^:]*:[0-9]+:thinggroup\/.+$/;
const ROLE_ARN = /^arn:aws[a-z-]*:iam::\d{12}:role\/?[a-zA-Z_0-9+=,.@\-_/]+$/;
const LAMBDA_ARN =
  /^arn:aws[a-z-]*:lambda:[a-z0-9-]+:\d{12}:function:[a-zA-Z0-9-_]+(:[a-zA-Z0-9-_$]+)?$/;
const S3_URI = /^s3:\/\/[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]\/.+$/;
/** Greengrass allows 1–128 characters; reverse-DNS with these characters is the safe convention. */
const COMPONENT_NAME = /^[a-zA-Z0-9][a-zA-Z0-9._-]{0,127}$/;
const SEMVER = /^(0|[1-9]\d{0,5})\.(0|[1-9]\d{0,5})\.(0|[1-9]\d{0,5})$/;
/** Short lower-case slug: it becomes part of job names that SageMaker limits to 63 characters. */
const SLUG = /^[a-z0-9](-?[a-z0-9]){0,23}$/;

/**
 * At most `places` digits after the decimal point, as IoT job configurations accept:
 * `incrementFactor` one (Greengrass API reference, IoTJobExponentialRolloutRate: "1.5,
 * but not 1.55"), `thresholdPercentage` two (IoTJobAbortCriteria / IoT AbortCriteria:
 * "10.99, but not 10.999").
 */
const decimals = (places: number) => (value: number) => {
  const [, fraction = ''] = String(value).split('.');
  return !String(value).includes('e') && fraction.length <= places;
};

const slug = (what: string) =>
  z.string().regex(SLUG, `${what} must be 1-24 lower-case letters, digits and single hyphens`);

export const NEO_FRAMEWORKS = [
  'TENSORFLOW',
  'KERAS',
  'MXNET',
  'ONNX',
  'PYTORCH',
  'XGBOOST',
  'TFLITE',
  'DARKNET',
  'SKLEARN',
] as const;

/** CreateCompilationJob `OutputConfig.TargetDevice` values for edge devices and hosts. */
export const NEO_TARGET_DEVICES = [
  'lambda',
  'ml_m4',
  'ml_m5',
  'ml_m6g',
  'ml_c4',
  'ml_c5',
  'ml_c6g',
  'ml_p2',
  'ml_p3',
  'ml_g4dn',
  'ml_inf1',
  'ml_inf2',
  'ml_trn1',
  'ml_eia2',
  'jetson_tx1',
  'jetson_tx2',
  'jetson_nano',
  'jetson_xavier',
  'rasp3b',
  'rasp4b',
  'imx8qm',
  'deeplens',
  'rk3399',
  'rk3288',
  'aisage',
  'sbe_c',
  'qcs605',
  'qcs603',
  'sitara_am57x',
  'amba_cv2',
  'amba_cv22',
  'amba_cv25',
  'x86_win32',
  'x86_win64',
  'coreml',
  'jacinto_tda4vm',
  'imx8mplus',
] as const;

/**
 * The newest framework version SageMaker Neo compiles for edge devices ("Supported Frameworks"
 * under "Supported Frameworks, Devices, Systems, and Architectures" for edge devices in the
 * SageMaker developer guide: each row reads "Supports X or earlier"; TensorFlow 2.5 is listed
 * only for ml.inf1 instances, which are not edge devices). DARKNET is listed without a version;
 * SKLEARN is not listed for edge devices at all. The device table lists no framework per
 * device, so the framework table applies to every edge target alike.
 */
export const NEO_EDGE_MAX_VERSION: Partial<Record<(typeof NEO_FRAMEWORKS)[number], string>> = {
  MXNET: '1.8',
  ONNX: '1.7',
  KERAS: '2.2',
  PYTORCH: '1.8',
  TENSORFLOW: '2.4',
  TFLITE: '1.15',
  XGBOOST: '1.3',
};
const NEO_EDGE_FRAMEWORKS = new Set<string>([...Object.keys(NEO_EDGE_MAX_VERSION), 'DARKNET']);

/** Cloud targets (Lambda and ML instances) follow another table; every other target is an edge device. */
const isEdgeTarget = (t: { targetDevice?: string }) =>
  !t.targetDevice || !(t.targetDevice === 'lambda' || t.targetDevice.startsWith('ml_'));

/** Compares major.minor (a patch level does not change what Neo supports). */
const minorAtMost = (version: string, max: string) => {
  const [a = 0, b = 0] = version.split('.').map((p) => Number.parseInt(p, 10));
  const [x = 0, y = 0] = max.split('.').map((p) => Number.parseInt(p, 10));
  return a < x || (a === x && b <= y);
};

/** A JSON document given either as YAML structure or as a JSON string; stored as a string. */
const jsonText = (min: number, max: number) =>
  z
    .union([z.string(), z.record(z.string(), z.unknown())])
    .transform((value) => (typeof value === 'string' ? value : JSON.stringify(value)))
    .pipe(
      z
        .string()
        .min(min)
        .max(max)
        .refine((text) => {
          try {
            JSON.parse(text);
            return true;
          } catch {
            return false;
          }
        }, 'must be valid JSON'),
    );

const TargetSchema = z
  .object({
    name: slug('target name'),
    targetDevice: z.enum(NEO_TARGET_DEVICES).optional(),
    targetPlatform: z
      .object({
        os: z.enum(['ANDROID', 'LINUX']),
        arch: z.enum(['X86_64', 'X86', 'ARM64', 'ARM_EABI', 'ARM_EABIHF']),
        accelerator: z.enum(['INTEL_GRAPHICS', 'MALI', 'NVIDIA', 'NNA']).optional(),
      })
      .strict()
      .optional(),
    compilerOptions: jsonText(3, 1024).optional(),
    /** The Greengrass recipe manifest `Platform` that selects this build on a device. */
    greengrassPlatform: z
      .object({
        os: z.enum(['linux', 'windows', 'darwin']),
        architecture: z.string().min(1),
      })
      .catchall(z.string().min(1)),
  })
  .strict()
  .superRefine((target, ctx) => {
    if (Boolean(target.targetDevice) === Boolean(target.targetPlatform)) {
      ctx.addIssue({
        code: 'custom',
        message: 'give exactly one of targetDevice or targetPlatform (SageMaker Neo refuses both)',
        path: ['targetDevice'],
      });
    }
    if (target.targetPlatform?.accelerator === 'NVIDIA' && !target.compilerOptions) {
      ctx.addIssue({
        code: 'custom',
        message: 'NVIDIA targets need compilerOptions (gpu-code, trt-ver, cuda-ver)',
        path: ['compilerOptions'],
      });
    }
  });

const ComponentConfiguration = z.record(z.string(), z.unknown());

const ProbeSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('deployment-health') }).strict(),
  z
    .object({
      type: z.literal('component-health'),
      /** Components whose nature is to run once and stop, so FINISHED is healthy. */
      finishedIsHealthy: z.array(z.string().regex(COMPONENT_NAME)).default([]),
    })
    .strict(),
  z
    .object({
      type: z.literal('inference-smoke'),
      inputs: z
        .array(
          z
            .object({
              id: z.string().min(1).max(64),
              payload: z.unknown(),
              expected: z.union([z.string(), z.number(), z.boolean()]),
            })
            .strict(),
        )
        .min(1)
        .max(100),
      minAccuracy: z.number().min(0).max(1),
      maxP95LatencyMs: z.number().positive(),
      timeoutSeconds: z.number().int().min(1).max(600).default(60),
    })
    .strict(),
  z
    .object({
      type: z.literal('custom'),
      name: slug('probe name'),
      functionArn: z.string().regex(LAMBDA_ARN, 'must be a Lambda function ARN'),
    })
    .strict(),
]);

const WaveSchema = z
  .object({
    name: slug('wave name'),
    targetArn: z.string().regex(THING_GROUP_ARN, 'must be an IoT thing group ARN'),
    rollout: z
      .object({
        maximumPerMinute: z.number().int().min(1).max(1000).default(100),
        exponentialRate: z
          .object({
            baseRatePerMinute: z.number().int().min(1).max(1000),
            incrementFactor: z
              .number()
              .min(1)
              .max(5)
              .refine(
                decimals(1),
                'incrementFactor allows at most one digit after the decimal point',
              ),
            rateIncreaseCriteria: z.union([
              z.object({ numberOfNotifiedThings: z.number().int().min(1) }).strict(),
              z.object({ numberOfSucceededThings: z.number().int().min(1) }).strict(),
            ]),
          })
          .strict()
          .optional(),
      })
      .strict()
      .default({ maximumPerMinute: 100 }),
    abort: z
      .object({
        failureThresholdPercentage: z
          .number()
          .min(0)
          .max(100)
          .refine(
            decimals(2),
            'failureThresholdPercentage (IoT thresholdPercentage) allows at most two digits after the decimal point',
          ),
        minExecutedThings: z.number().int().min(1),
      })
      .strict(),
    /** Per device: past this an IoT job execution becomes TIMED_OUT (1 minute to 7 days). */
    deviceTimeoutMinutes: z.number().int().min(1).max(10080).default(60),
    /** The whole wave: past this the execution fails instead of waiting forever. */
    waveTimeoutMinutes: z.number().int().min(1).max(10080).default(240),
    /**
     * After this long from the moment the rollout could have reached every device (the
     * wave's start plus devices / the slowest rollout rate), devices whose job execution is
     * still QUEUED count as offline: the wave settles on the devices that reported, and the
     * offline ones get the release when they come back (IoT starts their timeout only then).
     */
    graceMinutes: z.number().int().min(1).max(10080).default(30),
    /** After the wave settled: how long component and core device health is watched. */
    bakeMinutes: z.number().int().min(0).max(1440).default(5),
    /**
     * Status polls of the wave: each waits half the time its devices' progress says is left,
     * never less than the floor nor more than the ceiling (docs/fleet-rollout.md).
     */
    pollFloorSeconds: z.number().int().min(5).max(3600).default(15),
    pollCeilingSeconds: z.number().int().min(5).max(86400).default(1800),
  })
  .strict()
  .refine((wave) => wave.graceMinutes < wave.waveTimeoutMinutes, {
    message: 'graceMinutes must be shorter than waveTimeoutMinutes',
    path: ['graceMinutes'],
  })
  .refine((wave) => wave.pollFloorSeconds <= wave.pollCeilingSeconds, {
    message: 'pollFloorSeconds must not exceed pollCeilingSeconds',
    path: ['pollFloorSeconds'],
  });

/** Optional health analysis of a fleet during each bake: one CloudWatch metric and a threshold. */
const MetricAnalysisSchema = z
  .object({
    namespace: z.string().min(1).max(255),
    metricName: z.string().min(1).max(255),
    dimensions: z.record(z.string().min(1).max(255), z.string().min(1).max(1024)).default({}),
    statistic: z.enum(['Average', 'Sum', 'Maximum', 'Minimum', 'SampleCount']).default('Average'),
    periodSeconds: z.number().int().min(60).max(86400).multipleOf(60).default(60),
    /** The wave aborts when the statistic over the bake so far is above (or below) this. */
    threshold: z.number(),
    comparison: z
      .enum(['GreaterThanThreshold', 'LessThanThreshold'])
      .default('GreaterThanThreshold'),
  })
  .strict();

const FleetSchema = z
  .object({
    name: slug('fleet name'),
    /** Name of the target (above) whose build this fleet runs. */
    platform: slug('platform'),
    roleArn: z.string().regex(ROLE_ARN, 'must be an IAM role ARN').optional(),
    waves: z.array(WaveSchema).min(1),
    /**
     * When a later fleet of the same release fails: `roll-back` (all-or-nothing, the
     * default) puts this fleet back on its previous release too; `keep` leaves it on the new one.
     */
    onLaterFleetFailure: z.enum(['roll-back', 'keep']).default('roll-back'),
    analysis: MetricAnalysisSchema.optional(),
  })
  .strict();

export const ProfileSchema = z
  .object({
    packaging: z.enum(['native', 'edge-manager']).default('native'),
    neo: z
      .object({
        framework: z.enum(NEO_FRAMEWORKS),
        frameworkVersion: z
          .string()
          .regex(/^[0-9]\.[A-Za-z0-9.]+$/)
          .max(10)
          .optional(),
        dataInputConfig: jsonText(1, 16384),
        maxRuntimeSeconds: z.number().int().min(60).max(2419200).default(900),
      })
      .strict(),
    targets: z.array(TargetSchema).min(1).max(20),
    components: z
      .object({
        model: z
          .object({
            name: z.string().regex(COMPONENT_NAME),
            /** Major version of the model component; the patch is the model package version. */
            major: z.number().int().min(0).max(999999).default(1),
          })
          .strict(),
        inference: z
          .object({
            name: z.string().regex(COMPONENT_NAME),
            version: z.string().regex(SEMVER, 'must be semver major.minor.patch'),
            artifactUri: z.string().regex(S3_URI, 'must be an s3://bucket/key URI'),
            /** Run script; `{modelDir}` becomes the directory holding the unpacked model. */
            run: z.string().min(1),
            configuration: ComponentConfiguration.default({}),
          })
          .strict(),
      })
      .strict(),
    twin: z
      .object({
        targetArn: z.string().regex(IOT_TARGET_ARN, 'must be an IoT thing or thing group ARN'),
        platform: slug('platform'),
        roleArn: z.string().regex(ROLE_ARN, 'must be an IAM role ARN').optional(),
        extraComponents: z
          .record(
            z.string().regex(COMPONENT_NAME),
            z
              .object({
                version: z.string().min(1).max(64),
                configuration: ComponentConfiguration.optional(),
              })
              .strict(),
          )
          .default({}),
        deploymentTimeoutMinutes: z.number().int().min(1).max(1440).default(30),
        tests: z.array(ProbeSchema).min(1),
      })
      .strict(),
    approval: z
      .object({
        approvers: z.array(z.string().min(3).max(254)).min(1).max(50),
        quorum: z.number().int().min(1).default(1),
        timeoutHours: z
          .number()
          .min(1 / 60)
          .max(24 * 365)
          .default(72),
        reminderHours: z.number().positive().default(24),
        /** Days the approval and its audit trail are kept after the decision deadline (DynamoDB TTL). */
        retentionDays: z.number().int().min(1).max(3650).default(400),
        // A chat channel is shared: it gets no personal signed links, only a pointer to the e-mail.
        webhookUrl: z.url({ protocol: /^https$/, error: 'must be an https:// URL' }).optional(),
      })
      .strict(),
    fleets: z.array(FleetSchema).min(1),
  })
  .strict()
  .superRefine((profile, ctx) => {
    const targets = new Set(profile.targets.map((t) => t.name));
    const duplicate = (names: string[]) => names.find((n, i) => names.indexOf(n) !== i);

    const dupTarget = duplicate(profile.targets.map((t) => t.name));
    if (dupTarget) {
      ctx.addIssue({
        code: 'custom',
        path: ['targets'],
        message: `duplicate target "${dupTarget}"`,
      });
    }
    if (profile.packaging === 'native') {
      // One model component carries a manifest per target, so each needs its own platform.
      const platforms = profile.targets.map((t) => JSON.stringify(t.greengrassPlatform));
      const i = platforms.findIndex((p, k) => platforms.indexOf(p) !== k);
      if (i >= 0) {
        ctx.addIssue({
          code: 'custom',
          path: ['targets', i, 'greengrassPlatform'],
          message:
            'two targets share a Greengrass platform; add a custom platform attribute to tell them apart',
        });
      } else {
        // A device uses the first manifest it matches; manifests go most specific first
        // (recipes.ts), and a platform that an earlier one covers would never be used.
        const hidden = hiddenPlatform(
          profile.targets.map((t, k) => ({ t, k })),
          ({ t }) => t.greengrassPlatform,
        );
        if (hidden) {
          ctx.addIssue({
            code: 'custom',
            path: ['targets', hidden.hidden.k, 'greengrassPlatform'],
            message: `the manifest of target "${hidden.hidden.t.name}" would never be used: every device it matches also matches the platform of target "${hidden.by.t.name}" (${JSON.stringify(hidden.by.t.greengrassPlatform)}), which comes first; make one of them stricter`,
          });
        }
      }
    }
    const edge = profile.targets.filter(isEdgeTarget).map((t) => t.name);
    if (edge.length > 0) {
      const { framework, frameworkVersion } = profile.neo;
      const max = NEO_EDGE_MAX_VERSION[framework];
      if (!NEO_EDGE_FRAMEWORKS.has(framework)) {
        ctx.addIssue({
          code: 'custom',
          path: ['neo', 'framework'],
          message: `SageMaker Neo does not compile ${framework} for edge devices (targets ${edge.join(', ')}); supported: ${[...NEO_EDGE_FRAMEWORKS].join(', ')}`,
        });
      } else if (max && frameworkVersion && !minorAtMost(frameworkVersion, max)) {
        ctx.addIssue({
          code: 'custom',
          path: ['neo', 'frameworkVersion'],
          message: `SageMaker Neo compiles ${framework} ${max} or earlier for edge devices (targets ${edge.join(', ')}); ${frameworkVersion} is not supported`,
        });
      }
    }
    if (!targets.has(profile.twin.platform)) {
      ctx.addIssue({
        code: 'custom',
        path: ['twin', 'platform'],
        message: `unknown target "${profile.twin.platform}" (targets: ${[...targets].join(', ')})`,
      });
    }
    profile.fleets.forEach((fleet, f) => {
      if (!targets.has(fleet.platform)) {
        ctx.addIssue({
          code: 'custom',
          path: ['fleets', f, 'platform'],
          message: `unknown target "${fleet.platform}" (targets: ${[...targets].join(', ')})`,
        });
      }
      const dupWave = duplicate(fleet.waves.map((w) => w.name));
      if (dupWave) {
        ctx.addIssue({
          code: 'custom',
          path: ['fleets', f, 'waves'],
          message: `duplicate wave "${dupWave}"`,
        });
      }
    });
    const dupFleet = duplicate(profile.fleets.map((f) => f.name));
    if (dupFleet) {
      ctx.addIssue({ code: 'custom', path: ['fleets'], message: `duplicate fleet "${dupFleet}"` });
    }
    const waveTargets = profile.fleets.flatMap((f) => f.waves.map((w) => w.targetArn));
    const dupArn = duplicate([profile.twin.targetArn, ...waveTargets]);
    if (dupArn) {
      ctx.addIssue({
        code: 'custom',
        path: ['fleets'],
        message: `target ${dupArn} appears twice; each Greengrass target holds one deployment`,
      });
    }
    if (profile.approval.quorum > profile.approval.approvers.length) {
      ctx.addIssue({
        code: 'custom',
        path: ['approval', 'quorum'],
        message: `quorum ${profile.approval.quorum} exceeds the ${profile.approval.approvers.length} approvers`,
      });
    }
    if (profile.components.model.name === profile.components.inference.name) {
      ctx.addIssue({
        code: 'custom',
        path: ['components', 'inference', 'name'],
        message: 'the inference component needs a name of its own',
      });
    }
  });

/**
 * Who the stack subscribes to its topics: an e-mail address (SNS protocol `email`, the
 * person must confirm AWS's message) or an https:// endpoint (protocol `https`, it must
 * confirm the SubscriptionConfirmation request).
 */
const Recipient = z.union(
  [z.email(), z.url({ protocol: /^https$/ })],
  'must be an e-mail address or an https:// URL',
);

const NotificationsSchema = z
  .object({
    /** Receive the operations alarms (OpsTopic). */
    ops: z.array(Recipient).default([]),
    /** Receive release outcomes: deployed or failed (NotificationsTopic). */
    releases: z.array(Recipient).default([]),
  })
  .strict();

export const StageConfigSchema = z
  .object({
    /** Must match the file name: config/<stage>.yml. */
    stage: slug('stage'),
    /** People and endpoints the stack subscribes; approvers come from each model group. */
    notifications: NotificationsSchema.default({ ops: [], releases: [] }),
    /**
     * S3 buckets holding the trained models (the model packages' ModelDataUrl) and their
     * evaluation reports (ModelMetrics, shown on the approval page): the only buckets SageMaker
     * Neo and the approval request may read. Default: the SageMaker default bucket of the stack's
     * account and region, sagemaker-<region>-<account>.
     */
    modelBuckets: z
      .array(z.string().regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, 'must be an S3 bucket name'))
      .default([]),
    /**
     * Where approvals may come from. Registry events can arrive from other accounts through
     * a cross-account event bus rule (docs/events.md); an approval of a package in an account
     * or region not listed here is refused. Default: the pipeline's own account and region.
     */
    registry: z
      .object({
        accounts: z
          .array(z.string().regex(/^\d{12}$/, 'must be a 12-digit AWS account id'))
          .min(1)
          .optional(),
        regions: z
          .array(z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d{1,2}$/, 'must be an AWS region name'))
          .min(1)
          .optional(),
      })
      .strict()
      .optional(),
    modelGroups: z
      .record(
        z.string().regex(MODEL_GROUP_NAME, 'model package group names are SageMaker entity names'),
        ProfileSchema,
      )
      .refine((groups) => Object.keys(groups).length > 0, 'configure at least one model group'),
  })
  .strict();

export type StageConfig = z.infer<typeof StageConfigSchema>;
export type Profile = z.infer<typeof ProfileSchema>;
export type Target = Profile['targets'][number];
export type Probe = Profile['twin']['tests'][number];
export type Fleet = Profile['fleets'][number];
export type Wave = Fleet['waves'][number];
export type MetricAnalysis = NonNullable<Fleet['analysis']>;
