// eslint-disable-next-line @typescript-eslint/no-require-imports
const definitionModule = require('../../statemachines/definition.cjs') as {
  loadDefinition: () => AslDefinition;
  substitute: (value: unknown, replace: (key: string) => unknown) => unknown;
  referencedFunctions: (definition?: AslDefinition) => string[];
};

export type AslState = Record<string, unknown> & { Type: string };
export type AslDefinition = { StartAt: string; States: Record<string, AslState> };

export const fakeFunctionArn = (key: string) =>
  `arn:aws:lambda:us-east-1:123456789012:function:edge-mlops-test-${key}`;

/** The ASL with every `${functionKey}` placeholder replaced by a fake Lambda ARN. */
export const loadTestDefinition = (): AslDefinition =>
  definitionModule.substitute(definitionModule.loadDefinition(), fakeFunctionArn) as AslDefinition;

export const referencedFunctions = () => definitionModule.referencedFunctions();

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
