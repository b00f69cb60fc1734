import { definitionOf, type MachineKey } from '../../statemachines/definition';
import type { Alarms } from '../alarms';
import type { VirtualClock } from '../clock';
import { LOCAL_ACCOUNT, LOCAL_REGION, type LocalResource, stateMachinesOf } from '../local-stage';
import { type FunctionRuntime, functionArn } from '../runtime/functions';
import type { ServiceDeclaration } from '../serverless-service';
import { StepFunctions } from '../services/sfn';
import type { World } from '../world';

/** Execution events that CloudWatch counts as AWS/States metrics the stage alarms on. */
const EXECUTION_METRICS: Record<string, string> = {
  ExecutionFailed: 'ExecutionsFailed',
  ExecutionTimedOut: 'ExecutionsTimedOut',
};

/**
 * Step Functions with every state machine serverless.yml declares, from the same generated
 * definitions (statemachines/definition.ts), their Lambda tasks pointing at the local
 * functions; failed and timed-out executions feed the alarms.
 */
export const provisionStateMachine = (deps: {
  clock: VirtualClock;
  functions: FunctionRuntime;
  world: World;
  alarms: Alarms;
  resources: Record<string, LocalResource>;
  service: ServiceDeclaration;
}) => {
  const { clock, functions, world, alarms, resources, service } = deps;
  const sfn = new StepFunctions(clock, functions, LOCAL_REGION, LOCAL_ACCOUNT, {
    approvalTimeout: () => world.options.approvalTimeout,
    activity: world.warp,
    onExecutionEvent: (execution, event) => {
      const metric = EXECUTION_METRICS[event.type];
      if (metric)
        alarms.breach('AWS/States', metric, { StateMachineArn: execution.stateMachineArn });
    },
  });
  const machines = stateMachinesOf(service).map(({ key, id }) => {
    const name = resources[id]!.attributes.Name!;
    return sfn.createStateMachine(
      name,
      definitionOf(key as MachineKey, functionArn),
      `arn:aws:iam::${LOCAL_ACCOUNT}:role/${name}-role`,
    );
  });
  const machine = machines.find((m) => m.arn === resources.EdgeDeploymentStateMachine!.ref)!;
  return { sfn, machine };
};
