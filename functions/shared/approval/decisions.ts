import { isAwsError } from '../errors';
import { getLatestVersion } from '../registry-store';
import { type AuditEntry, appendAudit } from './audit';
import { type DeliveryDeps, deliverDecision, executionFate } from './delivery';
import { type ApprovalRecord, closeApproval, endApproval, getApproval } from './store';
import { type ApprovalWithVotes, addApproval, completeQuorum } from './votes';

/**
 * What can happen to a pending approval, as outcomes: a person (or the model registry)
 * approves or rejects it, its execution no longer waits (expired, stopped), or a newer
 * version supersedes it. The approval page maps outcomes to pages; start-pipeline rejects
 * through `reject` when the registry rejects a version. Every decision is written together
 * with the message that resumes the execution (the outbox) and then delivered.
 */
export type Actor = {
  /** Who decides: an approver's address, or e.g. "model registry". */
  by: string;
  /** Set when a person acts through the page: their actions are audited. */
  approver?: string;
  sourceIp?: string;
  userAgent?: string;
};

export type DecisionDeps = DeliveryDeps;

/** Why a pending approval cannot be decided any more: its execution moved on, or a newer version won. */
export type Obstacle =
  | { kind: 'superseded'; latest: number; message: string }
  | { kind: 'stopped' | 'timed-out' | 'ended'; message: string };

export type Outcome =
  /** Decided; `delivery` says whether the execution took it. */
  | {
      outcome: 'delivered';
      record: ApprovalRecord;
      delivery: Awaited<ReturnType<typeof deliverDecision>>;
    }
  /** This approval counted; the quorum is not reached yet. */
  | { outcome: 'approval-recorded'; record: ApprovalRecord }
  | { outcome: 'already-approved'; record: ApprovalRecord }
  | { outcome: 'already-decided'; record: ApprovalRecord }
  /** The execution no longer waits: nothing can be decided. */
  | { outcome: 'ended'; status: 'STOPPED' | 'EXPIRED'; message: string }
  /** Nothing was recorded: a concurrent change won. */
  | { outcome: 'try-again'; record: ApprovalRecord; message: string }
  /** Nothing was recorded: the execution could not be checked just now. */
  | { outcome: 'unchecked'; record: ApprovalRecord; message: string };

export const obstacleOf = async (
  record: ApprovalRecord,
  deps: DecisionDeps,
): Promise<Obstacle | undefined> => {
  const fate = await executionFate(deps.sfn, record.executionArn);
  if (fate.fate === 'stopped' || fate.fate === 'timed-out' || fate.fate === 'ended')
    return {
      kind: fate.fate,
      message: `Nothing to decide: ${fate.detail}. ${record.modelPackageGroupName} v${record.modelPackageVersion} will not be released by this execution.`,
    };
  const latest = await getLatestVersion(deps.store, record.modelPackageGroupName);
  if (latest !== undefined && latest > record.modelPackageVersion)
    return {
      kind: 'superseded',
      latest,
      message: `Superseded: version ${latest} of ${record.modelPackageGroupName} was approved after version ${record.modelPackageVersion}. This version will not be released; nothing was deployed.`,
    };
  return undefined;
};

const entry = (
  deps: DecisionDeps,
  actor: Actor,
  action: AuditEntry['action'],
  outcome: string,
): AuditEntry => ({
  at: deps.now().toISOString(),
  action,
  approver: actor.approver,
  sourceIp: actor.sourceIp,
  userAgent: actor.userAgent,
  outcome,
});

/** Audits what a person did (views and refusals are bounded; decisions always stored). */
const audit = async (
  deps: DecisionDeps,
  record: ApprovalRecord,
  actor: Actor,
  action: AuditEntry['action'],
  outcome: string,
  always = false,
) => {
  if (actor.approver)
    await appendAudit(deps.store, record, entry(deps, actor, action, outcome), always);
};

/** Once a decision is recorded, a failed audit write must not turn it into an error. */
const auditDecision = (
  deps: DecisionDeps,
  record: ApprovalRecord,
  actor: Actor,
  action: AuditEntry['action'],
  outcome: string,
) =>
  audit(deps, record, actor, action, outcome, true).catch((error: unknown) =>
    deps.logger.warn('audit write failed', { error: (error as Error).message }),
  );

const reread = async (deps: DecisionDeps, record: ApprovalRecord) =>
  (await getApproval(deps.store, record.approvalId)) ?? record;

/** Sends a recorded decision to the waiting execution and reports what happened. */
export const deliver = async (record: ApprovalRecord, deps: DecisionDeps): Promise<Outcome> => {
  const delivery = await deliverDecision(record, deps);
  deps.logger.info('approval decision delivered', {
    approvalId: record.approvalId,
    state: delivery.state,
  });
  return { outcome: 'delivered', record, delivery };
};

/** A person opened the page (audited; a view decides nothing). */
export const recordView = (record: ApprovalRecord, actor: Actor, deps: DecisionDeps) =>
  audit(deps, record, actor, 'viewed', record.status);

/** A request that decided nothing (bad confirmation, forged token, already decided). */
export const recordRefusal = (
  record: ApprovalRecord,
  actor: Actor,
  why: string,
  deps: DecisionDeps,
) => audit(deps, record, actor, 'refused', why);

/** The execution no longer waits (timed out, stopped, ended): the approval ends without effect. */
export const expire = async (
  record: ApprovalRecord,
  actor: Actor,
  obstacle: Obstacle & { kind: 'stopped' | 'timed-out' | 'ended' },
  deps: DecisionDeps,
): Promise<Outcome> => {
  const status = obstacle.kind === 'stopped' ? 'STOPPED' : 'EXPIRED';
  const at = deps.now().toISOString();
  await endApproval(deps.store, record.approvalId, status, at, obstacle.message).catch(
    () => undefined,
  );
  await audit(
    deps,
    record,
    actor,
    status === 'STOPPED' ? 'stopped' : 'expired',
    obstacle.message,
    true,
  );
  return { outcome: 'ended', status, message: obstacle.message };
};

/** A newer version was approved: the waiting execution ends as Superseded, not approved. */
export const supersede = async (
  record: ApprovalRecord,
  actor: Actor,
  obstacle: Obstacle & { kind: 'superseded' },
  deps: DecisionDeps,
): Promise<Outcome> => {
  const at = deps.now().toISOString();
  const outbox = { kind: 'failure' as const, error: 'Superseded', cause: obstacle.message };
  const closed = await closeApproval(
    deps.store,
    record.approvalId,
    {
      outcome: 'SUPERSEDED',
      by: actor.by,
      at,
      reason: `version ${obstacle.latest} was approved after version ${record.modelPackageVersion}`,
    },
    outbox,
  );
  const now = await reread(deps, record);
  if (!closed && now.status === 'PENDING')
    return { outcome: 'try-again', record: now, message: 'Please try again.' };
  await auditDecision(deps, record, actor, 'superseded', obstacle.message);
  return deliver(now, deps);
};

/** Adds `actor`'s approval; the approval that completes the quorum resumes the execution. */
export const approve = async (
  record: ApprovalRecord,
  actor: Actor,
  comment: string | undefined,
  deps: DecisionDeps,
): Promise<Outcome> => {
  const approver = actor.approver ?? actor.by;
  const at = deps.now().toISOString();
  let transition: { record: ApprovalRecord; won: boolean };
  try {
    transition = await addApproval(deps.store, record, approver, at, comment);
  } catch (error) {
    if (!isAwsError(error, 'ConditionalCheckFailedException')) throw error;
    const now = (await reread(deps, record)) as ApprovalWithVotes;
    if (now.status === 'PENDING') {
      const completed = await completeQuorum(deps.store, now, approver, at, comment);
      if (completed.won) return deliver(completed.record, deps);
      return { outcome: 'already-approved', record: now };
    }
    return { outcome: 'already-decided', record: now };
  }
  await auditDecision(
    deps,
    record,
    actor,
    'approved',
    transition.won ? 'APPROVED' : 'approval recorded, quorum not reached',
  );
  if (!transition.won) {
    const now = (await getApproval(deps.store, record.approvalId)) ?? transition.record;
    if (now.status !== 'PENDING') return deliver(now, deps);
    return { outcome: 'approval-recorded', record: now };
  }
  deps.logger.info('release approved', { approvalId: record.approvalId, approver });
  return deliver(transition.record, deps);
};

/** Rejects: the waiting execution fails with ApprovalRejected; nothing goes to production. */
export const reject = async (
  record: ApprovalRecord,
  actor: Actor,
  reason: string,
  deps: DecisionDeps,
): Promise<Outcome> => {
  const at = deps.now().toISOString();
  const decision = { outcome: 'REJECTED' as const, by: actor.by, at, reason };
  const outbox = {
    kind: 'failure' as const,
    error: 'ApprovalRejected',
    // A person's rejection names who and when; a system's reason already says both.
    cause: (actor.approver ? `rejected by ${actor.by} at ${at}: ${reason}` : reason).slice(
      0,
      32768,
    ),
  };
  const won = await closeApproval(deps.store, record.approvalId, decision, outbox);
  if (!won) return { outcome: 'already-decided', record: await reread(deps, record) };
  await auditDecision(deps, record, actor, 'rejected', 'REJECTED');
  deps.logger.info('release rejected', { approvalId: record.approvalId, by: actor.by });
  return deliver({ ...record, status: 'REJECTED', decision, outbox }, deps);
};

/**
 * A person's decision on the page: first whether the execution still waits for it (else the
 * approval expires, or is closed as superseded), then the approval or rejection itself.
 */
export const decide = async (
  record: ApprovalRecord,
  actor: Actor,
  choice: { decision: 'approve'; comment?: string } | { decision: 'reject'; reason: string },
  deps: DecisionDeps,
): Promise<Outcome> => {
  let obstacle: Obstacle | undefined;
  try {
    obstacle = await obstacleOf(record, deps);
  } catch (error) {
    deps.logger.warn('could not read the execution before deciding', {
      error: (error as Error).message,
    });
    return {
      outcome: 'unchecked',
      record,
      message:
        'The pipeline could not be checked just now; nothing was recorded. Please try again in a minute.',
    };
  }
  if (obstacle?.kind === 'superseded') return supersede(record, actor, obstacle, deps);
  if (obstacle) return expire(record, actor, obstacle, deps);
  return choice.decision === 'approve'
    ? approve(record, actor, choice.comment, deps)
    : reject(record, actor, choice.reason, deps);
};
