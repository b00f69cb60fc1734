import { z } from 'zod';
import { PipelineError } from '../shared/errors';
import { deterministicName, EXECUTION_NAME, shortHash } from '../shared/names';
import type { ExecutionInput } from '../shared/plan';
import type { StageConfig } from '../shared/stage-config/schema';

/**
 * Pure decisions of start-pipeline: what an EventBridge event is, and what it asks for.
 * Kept free of I/O so that the property tests can replay any interleaving of events.
 */
export class InvalidEvent extends PipelineError {
  readonly retryable = false;
  constructor(message: string) {
    super(message);
    this.name = 'InvalidEvent';
  }
}

const MODEL_PACKAGE_ARN =
  /^arn:aws[a-z-]*:sagemaker:[a-z0-9-]+:\d{12}:model-package\/[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}\/\d{1,9}$/;

/** SageMaker puts ISO strings in this event, other SageMaker events epoch milliseconds: accept both. */
const Timestamp = z.union([z.string(), z.number()]).transform((v, ctx) => {
  const ms = typeof v === 'number' ? v : Date.parse(v);
  if (!Number.isFinite(ms)) {
    ctx.addIssue({ code: 'custom', message: 'is not a timestamp' });
    return z.NEVER;
  }
  return ms;
});

export const ModelPackageEventSchema = z.object({
  id: z.string().min(1),
  source: z.literal('aws.sagemaker'),
  'detail-type': z.literal('SageMaker Model Package State Change'),
  time: z.string().optional(),
  detail: z.object({
    ModelPackageGroupName: z
      .string()
      .regex(/^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$/, 'must be a model package group name'),
    ModelPackageVersion: z.number().int().min(1),
    ModelPackageArn: z.string().regex(MODEL_PACKAGE_ARN, 'must be a versioned model package ARN'),
    ModelApprovalStatus: z.string().min(1),
    LastModifiedTime: Timestamp.optional(),
  }),
});
export type ModelPackageEvent = z.output<typeof ModelPackageEventSchema>;

const describePath = (path: PropertyKey[]) => path.map(String).join('.') || '(event)';

/** Parses the event or throws `InvalidEvent` naming every bad field (the message reaches the DLQ). */
export const parseEvent = (raw: unknown): ModelPackageEvent => {
  const result = ModelPackageEventSchema.safeParse(raw);
  if (result.success) {
    const d = result.data.detail;
    if (!d.ModelPackageArn.endsWith(`/${d.ModelPackageGroupName}/${d.ModelPackageVersion}`)) {
      throw new InvalidEvent(
        `malformed model package event ${result.data.id}: detail.ModelPackageArn ${d.ModelPackageArn} does not name group ${d.ModelPackageGroupName} version ${d.ModelPackageVersion}`,
      );
    }
    return result.data;
  }
  const id =
    typeof raw === 'object' && raw && 'id' in raw
      ? String((raw as { id: unknown }).id)
      : 'without id';
  const problems = result.error.issues
    .map((i) => `${describePath(i.path)}: ${i.message}`)
    .join('; ');
  throw new InvalidEvent(`malformed model package event ${id}: ${problems}`);
};

/** When the registry changed the status: the event's LastModifiedTime, else its time. */
export const statusTime = (event: ModelPackageEvent): number =>
  event.detail.LastModifiedTime ?? (event.time ? Date.parse(event.time) : 0);

/**
 * The execution name of an approval: group, version and a hash of what identifies the
 * approval (ARN, status, LastModifiedTime). EventBridge redeliveries and the duplicate
 * events SageMaker may send for one change share it, so Step Functions absorbs them; a
 * later re-approval (new LastModifiedTime) gets a new execution.
 */
export const executionName = (event: ModelPackageEvent): string => {
  const d = event.detail;
  const identity = d.LastModifiedTime !== undefined ? String(d.LastModifiedTime) : event.id;
  return deterministicName(
    [
      d.ModelPackageGroupName,
      `v${d.ModelPackageVersion}`,
      shortHash(`${d.ModelPackageArn}|${d.ModelApprovalStatus}|${identity}`, 8),
    ],
    EXECUTION_NAME,
  );
};

/** The execution input: the same for every duplicate of an approval (no event id in it). */
export const executionInput = (event: ModelPackageEvent): ExecutionInput => ({
  modelPackageArn: event.detail.ModelPackageArn,
  modelPackageGroupName: event.detail.ModelPackageGroupName,
  modelPackageVersion: event.detail.ModelPackageVersion,
  trigger: { source: 'model-registry', approvedAt: new Date(statusTime(event)).toISOString() },
});

export type Triage =
  | { kind: 'ignore'; reason: string }
  | { kind: 'approved'; event: ModelPackageEvent }
  | { kind: 'rejected'; event: ModelPackageEvent };

/** Ours or not: only Approved/Rejected of a configured group leads anywhere. */
export const triage = (event: ModelPackageEvent, config: StageConfig, stage: string): Triage => {
  const { ModelApprovalStatus: status, ModelPackageGroupName: group } = event.detail;
  if (status !== 'Approved' && status !== 'Rejected') {
    return {
      kind: 'ignore',
      reason: `status ${status} needs no action (only Approved and Rejected do)`,
    };
  }
  if (!config.modelGroups[group]) {
    return {
      kind: 'ignore',
      reason: `model package group ${group} has no profile in config/${stage}.yml`,
    };
  }
  return status === 'Approved' ? { kind: 'approved', event } : { kind: 'rejected', event };
};
