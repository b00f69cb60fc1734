import { smokeResponsesRuleName } from '../functions/shared/smoke-contract';
import { LOCAL_REGION, type LocalResource, resolveLocal } from './local-stage';
import type { World } from './world';

type GeneratedResources = { Resources?: Record<string, any> };

/**
 * A twin account's smoke-response rule (docs/cross-account-role.yml, deployed with the
 * stack's SmokeResponsesFunctionArn) invokes recordSmokeResponse. Lambda runs it only if the
 * function's resource policy allows iot.amazonaws.com from that rule's ARN and account
 * (scripts/serverless/smoke-responses.cjs); otherwise the answer is lost, as on AWS.
 */
export const smokeRuleOf =
  (deps: {
    world: World;
    stage: string;
    generated: GeneratedResources | undefined;
    resources: Record<string, LocalResource>;
    invokeAsync: (key: string, event: unknown) => void;
  }) =>
  (account: string, answer: Record<string, unknown>) => {
    const { world, resources } = deps;
    const ruleArn = `arn:aws:iot:${LOCAL_REGION}:${account}:rule/${smokeResponsesRuleName(deps.stage)}`;
    const permissions = Object.values(deps.generated?.Resources ?? {}).filter(
      (r) => r.Type === 'AWS::Lambda::Permission',
    );
    const allowed = permissions.some(
      (r) =>
        r.Properties.Principal === 'iot.amazonaws.com' &&
        r.Properties.SourceAccount === account &&
        String(resolveLocal(r.Properties.SourceArn, resources)) === ruleArn,
    );
    if (!allowed) {
      world.refusals.push({
        service: 'lambda',
        operation: 'Invoke',
        at: world.clock.now(),
        message: `iot.amazonaws.com (rule ${ruleArn}) is not allowed to invoke recordSmokeResponse: no resource policy statement for it`,
      });
      return;
    }
    deps.invokeAsync('recordSmokeResponse', answer);
  };
