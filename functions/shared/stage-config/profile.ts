import { z } from 'zod';
import { hiddenPlatform } from '../greengrass/platforms';
import {
  COMPONENT_NAME,
  ComponentConfiguration,
  IOT_TARGET_ARN,
  jsonText,
  ROLE_ARN,
  S3_URI,
  SEMVER,
  slug,
} from './fields';
import { FleetSchema } from './fleets';
import { MonitoringSchema } from './monitoring';
import {
  isEdgeTarget,
  minorAtMost,
  NEO_EDGE_FRAMEWORKS,
  NEO_EDGE_MAX_VERSION,
  NEO_FRAMEWORKS,
  TargetSchema,
} from './neo-targets';
import { ProbeSchema } from './twin-tests';

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
            /** The code artifact you upload yourself (S3 URI); or `source`. */
            artifactUri: z.string().regex(S3_URI, 'must be an s3://bucket/key URI').optional(),
            /**
             * A folder of this project (relative to its root, e.g. `components/inference`) that
             * packaging zips deterministically; the deploy uploads it to the artifact bucket
             * (functions/shared/greengrass/inference-artifact.ts). Or `artifactUri`.
             */
            source: z
              .string()
              .regex(
                /^(?!\/)(?!(.*\/)?\.\.(\/|$))[A-Za-z0-9._/-]+$/,
                'must be a folder of this project, relative to its root (e.g. components/inference)',
              )
              .optional(),
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
    monitoring: MonitoringSchema.optional(),
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
    const inference = profile.components.inference;
    if (!inference.artifactUri === !inference.source) {
      ctx.addIssue({
        code: 'custom',
        path: ['components', 'inference', inference.source ? 'source' : 'artifactUri'],
        message: inference.source
          ? 'give either artifactUri (an archive you upload) or source (a folder packaging builds), not both'
          : 'give artifactUri (an archive you upload) or source (a folder of this project that packaging builds)',
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
