import type { Logger } from '@aws-lambda-powertools/logger';
import type { GreengrassV2Client } from '@aws-sdk/client-greengrassv2';
import type { Plan } from '../plan';
import type { Recipe } from './recipes';
import {
  type ComponentArnContext,
  type RegisteredComponent,
  registerComponentVersion,
} from './register-component';

/** The registration in the pipeline account, plus the version's ARN in every deploying account. */
export type RegisteredInAccounts = RegisteredComponent & {
  /** Account id → component version ARN, the pipeline account included. */
  accountArns: Record<string, string>;
};

export type RegisterInAccountsDeps = {
  greengrass: GreengrassV2Client;
  /** Greengrass client acting with a deployer role (functions/shared/assume-role.ts). */
  greengrassFor: (roleArn: string) => GreengrassV2Client;
  logger: Logger;
  arnContext: ComponentArnContext;
};

const accountOf = (roleArn: string) => roleArn.split(':')[4]!;

/**
 * The deployer roles of the accounts that deploy this plan's components other than the
 * pipeline account: one role per account (the first one named), since a component version
 * belongs to the account it was registered in, whichever role registered it.
 */
export const deployingAccountRoles = (plan: Pick<Plan, 'twin' | 'fleets'>, ownAccount: string) => {
  const roles = new Map<string, string>();
  for (const roleArn of [plan.twin.roleArn, ...plan.fleets.map((f) => f.roleArn)]) {
    if (!roleArn) continue;
    const account = accountOf(roleArn);
    if (account !== ownAccount && !roles.has(account)) roles.set(account, roleArn);
  }
  return roles;
};

/**
 * Greengrass components are regional resources of one account: a deployment created in the
 * twin's or a fleet's account can only name versions registered there (Greengrass V2
 * developer guide, "Manage components": components are stored per account and Region).
 * So the same recipe is registered in the pipeline account (the registry of record) and,
 * through the deployer role, in every other account that deploys it. Each registration is
 * idempotent on its own (same clientToken and recipe-hash comparison), so a retry after a
 * failure in one account reuses what the others already hold; a different recipe under
 * the same version in any account is a `ComponentVersionConflict`.
 */
export const registerInAccounts = async (
  recipe: Recipe,
  plan: Pick<Plan, 'twin' | 'fleets'>,
  deps: RegisterInAccountsDeps,
): Promise<RegisteredInAccounts> => {
  const { greengrass, greengrassFor, logger, arnContext } = deps;
  const own = await registerComponentVersion(recipe, { greengrass, logger, arnContext });
  const accountArns: Record<string, string> = { [arnContext.accountId]: own.arn };
  for (const [accountId, roleArn] of deployingAccountRoles(plan, arnContext.accountId)) {
    logger.info('registering the component version in a deploying account', {
      accountId,
      roleArn,
    });
    const registered = await registerComponentVersion(recipe, {
      greengrass: greengrassFor(roleArn),
      logger,
      arnContext: { ...arnContext, accountId },
    }).catch((error: unknown) => {
      // Same error class (the state machine matches its name); the message names the account.
      if (error instanceof Error)
        error.message = `account ${accountId} (${roleArn}): ${error.message}`;
      throw error;
    });
    accountArns[accountId] = registered.arn;
  }
  return { ...own, accountArns };
};
