import type { Fleet, Inference, Profile } from './stage-config/schema';
import * as z from './zod-mini';

/**
 * The plan: everything the pipeline will do for one approved model package version,
 * computed once by Resolve Model and carried in the execution state (`$.plan`).
 * Every name in it is derived from the model package version, so a replay of the same
 * approval computes the same plan and finds what the first run created.
 *
 * The schemas below are the plan's single definition: its types are inferred from them, and
 * tasks check their input with them, so a hand-edited replay input fails with a precise
 * message instead of a TypeError.
 */
export type ExecutionInput = {
  modelPackageArn: string;
  modelPackageGroupName: string;
  modelPackageVersion: number;
  /** The EventBridge event (or replay) that started this execution, for the audit trail. */
  trigger?: { eventId?: string; approvedAt?: string; source?: string };
};

const nonEmpty = () => z.string().check(z.minLength(1));
const s3Uri = () => z.string().check(z.startsWith('s3://'));

/**
 * A section copied as is from the stage config, whose own schema (full zod, at package
 * time) checked it: here only its presence is checked, and its type is the config's.
 * `Checked` is what a schema piped into it has already checked of it.
 */
export const fromConfig = <T, Checked = unknown>(what: string) =>
  z.custom<T, Checked>((value) => typeof value === 'object' && value !== null, {
    error: `must be the ${what} section of the stage config`,
  });

/** An inference section whose artifact URI is known (resolve-model.ts, `inferencePlan`). */
export type PlanInference = Inference & { artifactUri: string };

export const ComponentRefSchema = z.object({ name: nonEmpty(), version: nonEmpty() });
export type ComponentRef = z.infer<typeof ComponentRefSchema>;

export const TargetPlanSchema = z.object({
  name: nonEmpty(),
  compilationJobName: nonEmpty(),
  /** Where Neo writes the compiled model (S3 prefix). */
  outputLocation: s3Uri(),
  neo: z.object({
    targetDevice: z.optional(z.string()),
    targetPlatform: z.optional(
      z.object({ os: z.string(), arch: z.string(), accelerator: z.optional(z.string()) }),
    ),
    compilerOptions: z.optional(z.string()),
  }),
  greengrassPlatform: z.record(z.string(), z.string()),
  /** The model component deployments use for devices of this target. */
  modelComponent: ComponentRefSchema,
  /** Only with `packaging: edge-manager`. */
  edgePackaging: z.optional(
    z.object({
      jobName: nonEmpty(),
      modelName: nonEmpty(),
      modelVersion: nonEmpty(),
      outputLocation: s3Uri(),
    }),
  ),
});
export type TargetPlan = z.infer<typeof TargetPlanSchema>;

export const RegistryEvidenceSchema = z.object({
  approvalDescription: z.optional(z.string()),
  createdAt: z.optional(z.string()),
  customerMetadata: z.record(z.string(), z.string()),
  /** Metrics documents the registry holds for this version (ModelMetrics sources). */
  metrics: z.array(
    z.object({ kind: z.string(), contentType: z.optional(z.string()), s3Uri: z.string() }),
  ),
});
export type RegistryEvidence = z.infer<typeof RegistryEvidenceSchema>;

export const PlanSchema = z.object({
  stage: nonEmpty(),
  executionArn: nonEmpty(),
  executionName: nonEmpty(),
  modelPackageArn: nonEmpty(),
  modelPackageGroupName: nonEmpty(),
  modelPackageVersion: z.int().check(z.gte(1)),
  /** The trained model (a .tar.gz) Neo compiles. */
  modelDataUrl: s3Uri(),
  registry: RegistryEvidenceSchema,
  packaging: z.enum(['native', 'edge-manager']),
  neo: fromConfig<Profile['neo']>('neo'),
  neoRoleArn: nonEmpty(),
  /** s3://bucket/stage/group/version/ — every artifact and report of this version. */
  artifactPrefix: s3Uri(),
  targets: z.array(TargetPlanSchema).check(z.minLength(1)),
  modelComponent: z.extend(ComponentRefSchema, { major: z.int() }),
  /** The profile's inference section, with the URI of its code artifact (built from `source` or given). */
  inferenceComponent: fromConfig<PlanInference>('components.inference'),
  twin: fromConfig<Profile['twin']>('twin'),
  approval: fromConfig<Profile['approval']>('approval'),
  /** `approval.timeoutHours` in whole seconds, for the approval task's TimeoutSecondsPath. */
  approvalTimeoutSeconds: z.int().check(z.positive()),
  fleets: z.array(fromConfig<Fleet>('fleets')),
}) satisfies z.ZodMiniType<{ packaging: Profile['packaging'] }>;
export type Plan = z.infer<typeof PlanSchema>;

/** What the Map iteration over one target returns. */
export type TargetBuild = {
  target: string;
  compiledArtifactUri: string;
  modelComponent: ComponentRef & { arn?: string };
};
