import { z } from 'zod';
import { MODEL_GROUP_NAME, slug } from './fields';
import { ProfileSchema } from './profile';

/**
 * The schema of `config/<stage>.yml`: one deployment profile per SageMaker model package
 * group. Checked at package time (serverless.yml resolves the file through it, and local
 * mode loads it the same way); Lambdas read the validated result as JSON
 * (`config/resolved/<stage>.json`, see resolved.ts), so a bad file never reaches a running
 * pipeline and neither this schema nor the YAML parser ships in a Lambda.
 * Limits come from the AWS API models; see docs/configuration.md for every field.
 */

export { NEO_EDGE_MAX_VERSION, NEO_FRAMEWORKS, NEO_TARGET_DEVICES } from './neo-targets';
export { ProfileSchema } from './profile';

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
/**
 * The inference section as the resolved configuration carries it: resolution adds the SHA-256
 * of the archive it built from `source` (load.ts, `withInferenceArtifacts`); never set by hand.
 */
export type Inference = Profile['components']['inference'] & { artifactSha256?: string };
export type Target = Profile['targets'][number];
export type Probe = Profile['twin']['tests'][number];
export type Fleet = Profile['fleets'][number];
export type Wave = Fleet['waves'][number];
export type MetricAnalysis = NonNullable<Fleet['analysis']>;
export type Monitoring = NonNullable<Profile['monitoring']>;
