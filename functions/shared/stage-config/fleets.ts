import { z } from 'zod';
import { decimals, ROLE_ARN, slug, THING_GROUP_ARN } from './fields';

/** Production fleets and their waves: rollout rate, abort criteria, grace, bake and health analysis. */

export const WaveSchema = z
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
     * Status polls of the wave: each waits a fraction (0.85) of the time its progress and
     * rollout rate say is left, never less than the floor nor more than the ceiling
     * (docs/fleet-rollout.md). An abort
     * by IoT wakes the wave through its job event at once; the ceiling only bounds how late
     * it is noticed should the event be lost (or JOB events be off in the wave's account).
     */
    pollFloorSeconds: z.number().int().min(5).max(3600).default(15),
    pollCeilingSeconds: z.number().int().min(5).max(86400).default(21600),
  })
  .strict()
  .refine((wave) => wave.graceMinutes < wave.waveTimeoutMinutes, {
    message: 'graceMinutes must be shorter than waveTimeoutMinutes',
    path: ['graceMinutes'],
  })
  .superRefine((wave, ctx) => {
    if (wave.pollFloorSeconds > wave.pollCeilingSeconds)
      ctx.addIssue({
        code: 'custom',
        path: ['pollFloorSeconds'],
        message: `pollFloorSeconds ${wave.pollFloorSeconds} must not exceed pollCeilingSeconds ${wave.pollCeilingSeconds}`,
      });
  });

/** Optional health analysis of a fleet during each bake: one CloudWatch metric and a threshold. */
export const MetricAnalysisSchema = z
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

export const FleetSchema = z
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
