import type { Alarms } from '../alarms';
import type { VirtualClock } from '../clock';
import { LOCAL_ACCOUNT, LOCAL_REGION, type LocalResource } from '../local-stage';
import { type FunctionRuntime, functionArn } from '../runtime/functions';
import { StepFunctions } from '../services/sfn';
import type { World } from '../world';

type DefinitionModule = {
  loadDefinition: () => any;
  substitute: (v: unknown, f: (k: string) => unknown) => any;
};

/** Execution events that CloudWatch counts as AWS/States metrics the stage alarms on. */
const EXECUTION_METRICS: Record<string, string> = {
  ExecutionFailed: 'ExecutionsFailed',
  ExecutionTimedOut: 'ExecutionsTimedOut',
};

/**
 * Step Functions with the project's ASL (statemachines/definition.cjs), its Lambda tasks
 * pointing at the local functions; failed and timed-out executions feed the alarms.
 */
export const provisionStateMachine = (deps: {
  clock: VirtualClock;
  functions: FunctionRuntime;
  world: World;
  alarms: Alarms;
  resources: Record<string, LocalResource>;
}) => {
  const { clock, functions, world, alarms, resources } = deps;
  const definitionModule = require('../../statemachines/definition.cjs') as DefinitionModule;
  const machineName = resources.EdgeDeploymentStateMachine!.attributes.Name!;
  const sfn = new StepFunctions(clock, functions, LOCAL_REGION, LOCAL_ACCOUNT, {
    approvalTimeout: () => world.options.approvalTimeout,
    onExecutionEvent: (execution, event) => {
      const metric = EXECUTION_METRICS[event.type];
      if (metric)
        alarms.breach('AWS/States', metric, { StateMachineArn: execution.stateMachineArn });
    },
  });
  const machine = sfn.createStateMachine(
    machineName,
    definitionModule.substitute(definitionModule.loadDefinition(), (key: string) =>
      functionArn(key),
    ),
    `arn:aws:iam::${LOCAL_ACCOUNT}:role/${machineName}-role`,
  );
  return { sfn, machine };
};
