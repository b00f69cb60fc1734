import { z } from 'zod';
import { S3_URI } from './fields';

/**
 * Watching the model in the field (docs/monitoring.md): what the inference component captures
 * to S3 and how detect-drift compares it with the release's baseline and starts retraining.
 */
export const MonitoringSchema = z
  .object({
    /** Bucket the devices write capture batches to (with their token exchange role). */
    captureBucket: z
      .string()
      .regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, 'must be an S3 bucket name'),
    /** Key prefix; batches go to <prefix>/<model group>/<yyyy>/<mm>/<dd>/<HH>/. */
    capturePrefix: z
      .string()
      .regex(
        /^[a-zA-Z0-9!_.*'()-]+(\/[a-zA-Z0-9!_.*'()-]+)*$/,
        'must be an S3 key prefix without leading or trailing slash',
      )
      .max(200)
      .default('capture'),
    /** Share of inferences the component captures (0 to 1). */
    sampleRate: z.number().min(0).max(1).default(0.1),
    /** Length of one drift window; detect-drift runs once per window on the last complete one. */
    windowHours: z.number().int().min(1).max(168).default(1),
    /** Jensen–Shannon divergence (base 2, 0 to 1) above which a fleet's window counts as drifted. */
    threshold: z.number().gt(0).lt(1).default(0.1),
    /** Drifted windows in a row (per fleet) that start retraining. */
    consecutiveWindows: z.number().int().min(1).max(100).default(3),
    /** A fleet's window with fewer valid records gets no score (and breaks a streak). */
    minRecords: z.number().int().min(1).max(1_000_000).default(100),
    /** After a retraining start, none for this long (per model group). */
    cooldownHours: z
      .number()
      .min(0)
      .max(24 * 90)
      .default(24),
    /**
     * The baseline document (docs/monitoring.md) when the model package names none in
     * DriftCheckBaselines.ModelDataQuality.Statistics; `{version}` becomes the package version.
     */
    baselineUri: z.string().regex(S3_URI, 'must be an s3://bucket/key URI').optional(),
    /** The SageMaker pipeline that retrains the model; without it drift is only reported. */
    retraining: z
      .object({
        pipelineName: z
          .string()
          .regex(/^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,255}$/, 'must be a SageMaker pipeline name'),
        parameters: z.record(z.string().min(1).max(256), z.string().max(1024)).default({}),
      })
      .strict()
      .optional(),
  })
  .strict();
