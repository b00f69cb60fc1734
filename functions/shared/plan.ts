import type { Fleet, Profile } from './stage-config/schema';

/**
 * The plan: everything the pipeline will do for one approved model package version,
 * computed once by Resolve Model and carried in the execution state (`$.plan`).
 * Every name in it is derived from the model package version, so a replay of the same
 * approval computes the same plan and finds what the first run created.
 */
export type ExecutionInput = {
  modelPackageArn: string;
  modelPackageGroupName: string;
  modelPackageVersion: number;
  /** The EventBridge event (or replay) that started this execution, for the audit trail. */
  trigger?: { eventId?: string; approvedAt?: string; source?: string };
};

export type ComponentRef = { name: string; version: string };

export type TargetPlan = {
  name: string;
  compilationJobName: string;
  /** Where Neo writes the compiled model (S3 prefix). */
  outputLocation: string;
  neo: {
    targetDevice?: string;
    targetPlatform?: { os: string; arch: string; accelerator?: string };
    compilerOptions?: string;
  };
  greengrassPlatform: Record<string, string>;
  /** The model component deployments use for devices of this target. */
  modelComponent: ComponentRef;
  /** Only with `packaging: edge-manager`. */
  edgePackaging?: {
    jobName: string;
    modelName: string;
    modelVersion: string;
    outputLocation: string;
  };
};

export type RegistryEvidence = {
  approvalDescription?: string;
  createdAt?: string;
  customerMetadata: Record<string, string>;
  /** Metrics documents the registry holds for this version (ModelMetrics sources). */
  metrics: { kind: string; contentType?: string; s3Uri: string }[];
};

export type Plan = {
  stage: string;
  executionArn: string;
  executionName: string;
  modelPackageArn: string;
  modelPackageGroupName: string;
  modelPackageVersion: number;
  /** The trained model (a .tar.gz) Neo compiles. */
  modelDataUrl: string;
  registry: RegistryEvidence;
  packaging: Profile['packaging'];
  neo: Profile['neo'];
  neoRoleArn: string;
  /** s3://bucket/stage/group/version/ — every artifact and report of this version. */
  artifactPrefix: string;
  targets: TargetPlan[];
  modelComponent: ComponentRef & { major: number };
  inferenceComponent: Profile['components']['inference'];
  twin: Profile['twin'];
  approval: Profile['approval'];
  /** `approval.timeoutHours` in whole seconds, for the approval task's TimeoutSecondsPath. */
  approvalTimeoutSeconds: number;
  fleets: Fleet[];
};

/** What the Map iteration over one target returns. */
export type TargetBuild = {
  target: string;
  compiledArtifactUri: string;
  modelComponent: ComponentRef & { arn?: string };
};
