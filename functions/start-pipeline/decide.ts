/**
 * Pure decisions of start-pipeline: what an EventBridge event is, and what it asks for.
 * Kept free of I/O so that the property tests can replay any interleaving of events.
 */
import { InvalidEvent, UnlistedRegistry } from '../shared/errors';
import {
  deterministicName,
  EXECUTION_NAME,
  MODEL_PACKAGE_ARN,
  SAGEMAKER_ENTITY_NAME,
  shortHash,
} from '../shared/names';
import type { ExecutionInput } from '../shared/plan';
import type { StageConfig } from '../shared/stage-config/schema';
import * as z from '../shared/zod-mini';

/**
 * Registry times we believe: not before SageMaker existed (it launched in November 2017),
 * not after the handler's clock plus a little skew. Anything else (a far-future date, a
 * number of seconds instead of milliseconds, 1e300) would be stored as the package's latest
 * status time and make every later genuine event look stale, or throw when formatted.
 */
export const EARLIEST_STATUS_TIME = Date.parse('2017-11-01T00:00:00Z');
export const CLOCK_SKEW_MS = 5 * 60_000;

/** SageMaker puts ISO strings in this event, other SageMaker events epoch milliseconds: accept both. */
const timestamp = (now: number) =>
  z.pipe(
    z.union([z.string().check(z.maxLength(64)), z.number()]),
    z.transform((v, ctx) => {
      const ms = typeof v === 'number' ? v : Date.parse(v);
      if (!Number.isSafeInteger(ms)) {
        ctx.issues.push({
          code: 'custom',
          input: v,
          message: 'is not a timestamp (ISO 8601 or epoch milliseconds)',
        });
        return z.NEVER;
      }
      if (ms < EARLIEST_STATUS_TIME || ms > now + CLOCK_SKEW_MS) {
        ctx.issues.push({
          code: 'custom',
          input: v,
          message: `is out of range (${new Date(EARLIEST_STATUS_TIME).toISOString()} to ${CLOCK_SKEW_MS / 60_000} minutes after now, ${new Date(now).toISOString()})`,
        });
        return z.NEVER;
      }
      return ms;
    }),
  );

/** The event schema, relative to the handler's clock (timestamps may not lie in the future). */
export const modelPackageEventSchema = (now: number) =>
  z.object({
    id: z.string().check(z.minLength(1), z.maxLength(128)),
    source: z.literal('aws.sagemaker'),
    'detail-type': z.literal('SageMaker Model Package State Change'),
    account: z.optional(z.string()),
    region: z.optional(z.string()),
    time: z.optional(timestamp(now)),
    detail: z.object({
      ModelPackageGroupName: z
        .string()
        .check(z.regex(SAGEMAKER_ENTITY_NAME.pattern, 'must be a model package group name')),
      ModelPackageVersion: z.int().check(z.gte(1), z.lte(999_999_999)),
      ModelPackageArn: z
        .string()
        .check(
          z.maxLength(2048),
          z.regex(MODEL_PACKAGE_ARN, 'must be a versioned model package ARN'),
        ),
      ModelApprovalStatus: z.string().check(z.minLength(1), z.maxLength(64)),
      LastModifiedTime: z.optional(timestamp(now)),
    }),
  });
export type ModelPackageEvent = z.output<ReturnType<typeof modelPackageEventSchema>>;

const describePath = (path: PropertyKey[]) => path.map(String).join('.') || '(event)';

/** A hostile event can have any number of bad fields: the message names the first few. */
const MAX_PROBLEMS = 10;
const MAX_PROBLEM_CHARS = 300;
const clip = (text: string, max: number) =>
  text.length > max ? `${text.slice(0, max - 1)}…` : text;

/**
 * Parses the event or throws `InvalidEvent` naming the bad fields (the message reaches the
 * DLQ). `now` bounds the timestamps: nothing from the future is believed.
 */
export const parseEvent = (raw: unknown, now: number = Date.now()): ModelPackageEvent => {
  const result = z.safeParse(modelPackageEventSchema(now), raw);
  if (result.success) {
    const d = result.data.detail;
    if (!d.ModelPackageArn.endsWith(`/${d.ModelPackageGroupName}/${d.ModelPackageVersion}`)) {
      throw new InvalidEvent(
        `malformed model package event ${clip(result.data.id, 128)}: detail.ModelPackageArn ${d.ModelPackageArn} does not name group ${d.ModelPackageGroupName} version ${d.ModelPackageVersion}`,
      );
    }
    return result.data;
  }
  const id =
    typeof raw === 'object' && raw && 'id' in raw
      ? clip(String((raw as { id: unknown }).id), 128)
      : 'without id';
  const issues = result.error.issues;
  const problems = issues
    .slice(0, MAX_PROBLEMS)
    .map((i) => clip(`${describePath(i.path)}: ${i.message}`, MAX_PROBLEM_CHARS))
    .join('; ');
  const more = issues.length > MAX_PROBLEMS ? ` (and ${issues.length - MAX_PROBLEMS} more)` : '';
  throw new InvalidEvent(`malformed model package event ${id}: ${problems}${more}`);
};

/** When the registry changed the status: the event's LastModifiedTime, else its time. */
export const statusTime = (event: ModelPackageEvent): number =>
  event.detail.LastModifiedTime ?? event.time ?? 0;

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
export const executionInput = (
  event: ModelPackageEvent,
  approvedAt: number = statusTime(event),
): ExecutionInput => ({
  modelPackageArn: event.detail.ModelPackageArn,
  modelPackageGroupName: event.detail.ModelPackageGroupName,
  modelPackageVersion: event.detail.ModelPackageVersion,
  trigger: { source: 'model-registry', approvedAt: new Date(approvedAt).toISOString() },
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

/**
 * Registry events can come from other accounts (a cross-account event bus rule forwards
 * them). Only packages in the accounts and regions the stage lists are acted on; without
 * a `registry` section, those of the pipeline's own account and region.
 */
export const registryProblem = (
  event: ModelPackageEvent,
  config: StageConfig,
  stateMachineArn: string,
): UnlistedRegistry | undefined => {
  const [, , , homeRegion = '', homeAccount = ''] = stateMachineArn.split(':');
  const [, , , region = '', account = ''] = event.detail.ModelPackageArn.split(':');
  const accounts = config.registry?.accounts ?? [homeAccount];
  const regions = config.registry?.regions ?? [homeRegion];
  const problems = [
    accounts.includes(account)
      ? undefined
      : `account ${account} is not in registry.accounts (${accounts.join(', ')})`,
    regions.includes(region)
      ? undefined
      : `region ${region} is not in registry.regions (${regions.join(', ')})`,
  ].filter(Boolean);
  if (problems.length === 0) return undefined;
  return new UnlistedRegistry(
    `model package ${event.detail.ModelPackageArn} (event ${event.id}) is refused: its ${problems.join(' and its ')}; nothing was recorded or started`,
  );
};
