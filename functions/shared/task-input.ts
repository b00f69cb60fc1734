import { z } from 'zod';
import type { Plan, TargetPlan } from './plan';
import type { PollState } from './polling';

/**
 * Schemas for what the state machine hands each task. The plan itself was built by
 * Resolve Model; tasks check only the parts they use, so a hand-edited replay input
 * fails with a precise message instead of a TypeError.
 */
export const PollSchema = z.object({
  attempt: z.number().int().min(0),
  waitSeconds: z.number().positive(),
  deadline: z.iso.datetime(),
  maxWaitSeconds: z.number().positive().optional(),
  minWaitSeconds: z.number().positive().optional(),
}) satisfies z.ZodType<PollState>;

const TargetSchema = z
  .object({
    name: z.string().min(1),
    compilationJobName: z.string().min(1),
    outputLocation: z.string().startsWith('s3://'),
    neo: z.object({}).passthrough(),
    greengrassPlatform: z.record(z.string(), z.string()),
    modelComponent: z.object({ name: z.string(), version: z.string() }),
  })
  .passthrough();

const PlanSchema = z
  .object({
    stage: z.string(),
    executionArn: z.string(),
    modelPackageArn: z.string(),
    modelPackageGroupName: z.string(),
    modelPackageVersion: z.number().int(),
    modelDataUrl: z.string().startsWith('s3://'),
    neoRoleArn: z.string(),
    neo: z.object({ framework: z.string(), dataInputConfig: z.string() }).passthrough(),
    targets: z.array(TargetSchema).min(1),
    packaging: z.enum(['native', 'edge-manager']),
    modelComponent: z.object({ name: z.string(), version: z.string(), major: z.number().int() }),
    inferenceComponent: z
      .object({ name: z.string(), version: z.string(), artifactUri: z.string(), run: z.string() })
      .passthrough(),
  })
  .passthrough();

/** `{ plan, target }`: one iteration of the Build Targets map. */
export const TargetTaskSchema = z.object({
  plan: PlanSchema.transform((p) => p as unknown as Plan),
  target: TargetSchema.transform((t) => t as unknown as TargetPlan),
});

export const planOnly = z.object({ plan: PlanSchema.transform((p) => p as unknown as Plan) });
