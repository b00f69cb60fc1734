import {
  type AslDefinition,
  type AslState,
  definitionOf,
  type MachineKey,
} from '../../statemachines/definition';

export { referencedFunctions } from '../../statemachines/definition';
export type { AslDefinition, AslState };

export const fakeFunctionArn = (key: string) =>
  `arn:aws:lambda:us-east-1:123456789012:function:edge-mlops-test-${key}`;

/** The generated definition with every `${functionKey}` placeholder replaced by a fake Lambda ARN. */
export const loadTestDefinition = (machine: MachineKey = 'edgeDeployment'): AslDefinition =>
  definitionOf(machine, fakeFunctionArn);

/** Every state at any depth (Map item processors and Parallel branches included). */
export const allStates = (definition: AslDefinition): [string, AslState][] =>
  Object.entries(definition.States).flatMap(([name, state]) => {
    const nested = [
      state.ItemProcessor as AslDefinition | undefined,
      state.Iterator as AslDefinition | undefined,
      ...((state.Branches as AslDefinition[] | undefined) ?? []),
    ].filter((d): d is AslDefinition => Boolean(d));
    return [[name, state] as [string, AslState], ...nested.flatMap(allStates)];
  });
