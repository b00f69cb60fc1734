import { runSimulation, runUnsafeSimulation } from '@cloud-copilot/iam-simulate';
import type { Check } from './actions';
import type { Statement } from './roles';

/**
 * IAM policy evaluation by @cloud-copilot/iam-simulate (identity policies, resource
 * policies, cross-account rules, every condition operator), not by hand. The emulator models
 * identity policies (each role's statements) and, as resource policies, a role's trust policy
 * for sts:AssumeRole and bucket policies for core devices' artifact downloads
 * (artifact-reads.ts); no SCPs, RCPs, permission boundaries or session policies.
 */
export type Decision =
  | { allowed: true }
  | { allowed: false; check: Check; explicit: boolean; reason: string };

export type Evaluation = {
  /** The caller as AWS names it (an assumed-role session ARN for role sessions). */
  principal: string;
  /** aws:PrincipalArn: for a role session, the role's ARN (IAM global condition keys). */
  principalArn?: string;
  /** The caller's account (a session's role account). */
  principalAccount: string;
  statements: Statement[];
  /** The account that owns the resource (defaults to the caller's). */
  resourceAccount?: string;
  /** A resource-based policy (e.g. a role's trust policy for sts:AssumeRole). */
  resourcePolicy?: Statement[];
};

const policy = (statements: Statement[]) => ({ Version: '2012-10-17', Statement: statements });

const evaluateOne = async (e: Evaluation, check: Check): Promise<string> => {
  const simulation = {
    request: {
      principal: e.principal,
      action: check.action,
      resource: { resource: check.resource, accountId: e.resourceAccount ?? e.principalAccount },
      contextVariables: {
        'aws:PrincipalArn': e.principalArn ?? e.principal,
        'aws:PrincipalAccount': e.principalAccount,
        ...(check.context ?? {}),
      },
    },
    identityPolicies: e.statements.length
      ? [{ name: 'execution-role', policy: policy(e.statements) }]
      : [],
    serviceControlPolicies: [],
    resourceControlPolicies: [],
    ...(e.resourcePolicy ? { resourcePolicy: policy(e.resourcePolicy) } : {}),
  };
  if (check.unvalidated) return runUnsafeSimulation(simulation, {});
  const result = await runSimulation(simulation, {});
  if (result.resultType === 'error')
    // A mapping the library cannot evaluate is a bug in emulator/iam/actions.ts: say so.
    throw new Error(
      `IAM simulation of ${check.action} on ${check.resource} failed: ${JSON.stringify(result.errors)}`,
    );
  return result.overallResult;
};

/** Evaluates each check in order; the first one refused decides. */
export const authorize = async (e: Evaluation, checks: Check[]): Promise<Decision> => {
  for (const check of checks) {
    const result = await evaluateOne(e, check);
    if (result === 'Allowed') continue;
    const explicit = result === 'ExplicitlyDenied';
    const crossAccount = (e.resourceAccount ?? e.principalAccount) !== e.principalAccount;
    // The wording AWS uses (IAM User Guide, "Troubleshoot access denied error messages").
    const reason = explicit
      ? 'with an explicit deny in an identity-based policy'
      : e.resourcePolicy
        ? `because no resource-based policy allows the ${check.action} action`
        : crossAccount
          ? `because no resource-based policy allows the ${check.action} action`
          : `because no identity-based policy allows the ${check.action} action`;
    return { allowed: false, check, explicit, reason };
  }
  return { allowed: true };
};

/** Whether `statements` allow `action` on `resource` (provisioning checks). */
export const allows = async (
  statements: Statement[],
  principal: string,
  account: string,
  action: string,
  resource = '*',
): Promise<boolean> =>
  (
    await authorize({ principal, principalAccount: account, statements }, [
      { action, resource, unvalidated: resource === '*' },
    ])
  ).allowed;
