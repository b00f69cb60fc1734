import type { Plan, TargetPlan } from './plan';
import type { PollState } from './polling';
import * as z from './zod-mini';

/**
 * Schemas for what the state machine hands each task. The plan itself was built by
 * Resolve Model; tasks check only the parts they use, so a hand-edited replay input
 * fails with a precise message instead of a TypeError.
 */
export const PollSchema = z.object({
  attempt: z.int().check(z.gte(0)),
  waitSeconds: z.number().check(z.positive()),
  deadline: z.iso.datetime(),
  maxWaitSeconds: z.optional(z.number().check(z.positive())),
  minWaitSeconds: z.optional(z.number().check(z.positive())),
}) satisfies z.ZodMiniType<PollState>;

const TargetSchema = z.looseObject({
  name: z.string().check(z.minLength(1)),
  compilationJobName: z.string().check(z.minLength(1)),
  outputLocation: z.string().check(z.startsWith('s3://')),
  neo: z.looseObject({}),
  greengrassPlatform: z.record(z.string(), z.string()),
  modelComponent: z.object({ name: z.string(), version: z.string() }),
});

const PlanSchema = z.looseObject({
  stage: z.string(),
  executionArn: z.string(),
  modelPackageArn: z.string(),
  modelPackageGroupName: z.string(),
  modelPackageVersion: z.int(),
  modelDataUrl: z.string().check(z.startsWith('s3://')),
  neoRoleArn: z.string(),
  neo: z.looseObject({ framework: z.string(), dataInputConfig: z.string() }),
  targets: z.array(TargetSchema).check(z.minLength(1)),
  packaging: z.enum(['native', 'edge-manager']),
  modelComponent: z.object({ name: z.string(), version: z.string(), major: z.int() }),
  inferenceComponent: z.looseObject({
    name: z.string(),
    version: z.string(),
    artifactUri: z.string(),
    run: z.string(),
  }),
});

/** The checked plan, typed as Resolve Model built it (the schema checks only what tasks use). */
const CheckedPlan = z.pipe(
  PlanSchema,
  z.transform((p) => p as unknown as Plan),
);

/** `{ plan, target }`: one iteration of the Build Targets map. */
export const TargetTaskSchema = z.object({
  plan: CheckedPlan,
  target: z.pipe(
    TargetSchema,
    z.transform((t) => t as unknown as TargetPlan),
  ),
});

export const planOnly = z.object({ plan: CheckedPlan });
