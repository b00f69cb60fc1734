import { type ApiRequest, checksFor } from './actions';
import { deniedMessage } from './denial';
import { authorize } from './evaluate';
import type { Caller } from './principals';

/**
 * The emulator's IAM check of one request: the caller's role statements, as packaged,
 * against the request's action, resources and context. Operator calls are not evaluated.
 */
export type Refusal = { message: string; action: string; resource: string };

export const refusalOf = async (
  caller: Caller,
  request: ApiRequest,
  region: string,
): Promise<Refusal | undefined> => {
  if (caller.kind !== 'role') return undefined;
  const checks = checksFor(request, { region, account: caller.account });
  const decision = await authorize(
    {
      principal: caller.arn,
      principalArn: caller.role.arn,
      principalAccount: caller.account,
      statements: caller.role.statements,
    },
    checks,
  );
  if (decision.allowed) return undefined;
  return {
    message: deniedMessage(caller.arn, decision.check, decision.reason),
    action: decision.check.action,
    resource: decision.check.resource,
  };
};
