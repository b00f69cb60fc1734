import type { Logger } from '@aws-lambda-powertools/logger';
import type { S3Client } from '@aws-sdk/client-s3';
import type { SageMakerClient } from '@aws-sdk/client-sagemaker';
import type { SNSClient } from '@aws-sdk/client-sns';
import {
  type ApprovalMessage,
  approvalMessage,
  noticeSubject,
  notifyApproverOnce,
  postWebhook,
} from '../shared/approval/notice';
import {
  type ApprovalRecord,
  type ApprovalStore,
  putPendingApproval,
} from '../shared/approval/store';
import type { Clock } from '../shared/clock';
import { shortHash } from '../shared/names';
import { ReleaseInputSchema } from '../shared/release-input';
import { parseInput } from '../shared/validate';
import * as z from '../shared/zod-mini';
import { metricsComparison } from './evidence';

const InputSchema = z.extend(ReleaseInputSchema, {
  taskToken: z.string().check(z.minLength(1), z.maxLength(2048)),
  /** `$$.State.EnteredTime`: the same across retries, new on a redrive. */
  enteredTime: z.string().check(z.minLength(1)),
  twin: z.looseObject({ diff: z.optional(z.unknown()), deploymentId: z.optional(z.string()) }),
  twinTests: z.looseObject({
    passed: z.boolean(),
    summary: z.string(),
    reportUri: z.string(),
    probes: z.array(z.unknown()),
  }),
});
export type RequestApprovalInput = z.input<typeof InputSchema>;

export type { ApprovalMessage };

export type RequestApprovalDeps = {
  store: ApprovalStore;
  signingKey: () => Promise<string>;
  /** The approval topic's client: one message per approver (see shared/approval/notice.ts). */
  sns: SNSClient;
  /** The evaluation reports (S3) and the live versions' model packages (SageMaker). */
  s3: S3Client;
  sagemaker: SageMakerClient;
  /** The chat webhook's sender (best effort); default: an HTTPS POST with a 5 s timeout. */
  postWebhook?: (url: string, body: unknown) => Promise<void>;
  logger: Logger;
  now: Clock;
  config: { baseUrl: string; topicArn: string };
};

export type RequestApprovalOutput = {
  approvalId: string;
  expiresAt: string;
  notified: string[];
  created: boolean;
};

/**
 * Stores the pending approval (the task token stays in the record, server-side only) and
 * sends every approver a personal signed link. Idempotent: a retry finds the record,
 * refreshes its token, and sends nothing twice. The execution then waits for the
 * decision, posted through the approval page.
 */
export const requestApproval = async (
  rawInput: RequestApprovalInput,
  deps: RequestApprovalDeps,
): Promise<RequestApprovalOutput> => {
  const { plan, components, twin, twinTests, taskToken, enteredTime } = parseInput(
    InputSchema,
    rawInput,
  );
  const approvalId = shortHash(`${plan.executionArn}#${enteredTime}`, 24);
  const nowMs = deps.now().getTime();
  const deadline = Math.floor(nowMs / 1000) + plan.approvalTimeoutSeconds;
  // The state table's TTL attribute: the record and its audit outlive the deadline.
  const expiresAt = deadline + (plan.approval.retentionDays ?? 400) * 24 * 3600;
  const record: ApprovalRecord = {
    approvalId,
    status: 'PENDING',
    taskToken,
    executionArn: plan.executionArn,
    modelPackageArn: plan.modelPackageArn,
    modelPackageGroupName: plan.modelPackageGroupName,
    modelPackageVersion: plan.modelPackageVersion,
    approvers: plan.approval.approvers.map((a) => a.toLowerCase()),
    quorum: plan.approval.quorum,
    deadline,
    expiresAt,
    createdAt: new Date(nowMs).toISOString(),
    evidence: {
      stage: plan.stage,
      registry: plan.registry,
      components: {
        model: components.model ?? {
          name: plan.modelComponent.name,
          version: plan.modelComponent.version,
        },
        inference: components.inference,
      },
      twin: {
        targetArn: plan.twin.targetArn,
        deploymentId: twin.deploymentId,
        diff: twin.diff ?? null,
      },
      metrics: await metricsComparison(plan, deps),
      twinTests: {
        passed: twinTests.passed,
        summary: twinTests.summary,
        reportUri: twinTests.reportUri,
        probes: twinTests.probes,
      },
      rollout: plan.fleets.map((f) => ({
        fleet: f.name,
        platform: f.platform,
        waves: f.waves.map((w) => ({
          name: w.name,
          targetArn: w.targetArn,
          abortAbovePercent: w.abort.failureThresholdPercentage,
          minExecutedThings: w.abort.minExecutedThings,
        })),
      })),
    },
    approvals: [],
  };
  const created = await putPendingApproval(deps.store, record);

  const key = await deps.signingKey();
  for (const approver of record.approvers) {
    const message = approvalMessage(record, approver, deps.config.baseUrl, key);
    await notifyApproverOnce(deps.store, deps.sns, deps.config.topicArn, {
      ...message,
      key: `${approvalId}#${approver}`,
    });
  }
  const subject = noticeSubject(record);
  if (plan.approval.webhookUrl && created) {
    try {
      // A chat channel is read by more people than the approvers: no personal signed links
      // here, only a pointer to each approver's own e-mail.
      await (deps.postWebhook ?? postWebhook)(plan.approval.webhookUrl, {
        text: `${subject}\n${twinTests.summary}\nApprovers (${plan.approval.quorum} of ${record.approvers.length} needed): ${record.approvers.join(', ')}. Each approver has a personal link in their e-mail; decide before ${new Date(deadline * 1000).toISOString()}.`,
        approvalId,
      });
    } catch (error) {
      deps.logger.warn('approval webhook failed; approvers still have their email', {
        error: (error as Error).message,
      });
    }
  }
  deps.logger.info('approval requested', {
    approvalId,
    approvers: record.approvers.length,
    created,
  });
  return {
    approvalId,
    expiresAt: new Date(deadline * 1000).toISOString(),
    notified: record.approvers,
    created,
  };
};
