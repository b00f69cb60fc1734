import type { StageConfig } from '../functions/shared/stage-config/schema';
import { type LocalResource, resolveLocal } from './local-stage';

/**
 * The values serverless.yml reads from the stage configuration (`${self:custom.stage.X}`),
 * derived by the same script the deployed template uses (scripts/serverless/stage-config.cjs),
 * so local mode provisions what `npm run package` would.
 */
export type StageTemplate = {
  /** What scripts/serverless/stage-config.cjs derives from the stage configuration. */
  derived: Record<string, any>;
  /** Replaces `${self:custom.stage.X}` with the derived value X. */
  resolveVariables: (value: unknown) => unknown;
  /** Stage variables, then CloudFormation intrinsics, resolved to local values. */
  resolve: (value: unknown) => unknown;
};

export const stageTemplate = (
  config: StageConfig,
  resources: Record<string, LocalResource>,
): StageTemplate => {
  const derived = (
    require('../scripts/serverless/stage-config.cjs') as {
      derive: (c: StageConfig) => Record<string, unknown>;
    }
  ).derive(config) as Record<string, any>;
  const resolveVariables = (value: unknown): unknown => {
    if (typeof value === 'string') {
      const m = /^\$\{self:custom\.stage\.([A-Za-z]+)\}$/.exec(value);
      return m ? derived[m[1]!] : value;
    }
    if (Array.isArray(value)) return value.map(resolveVariables);
    if (value && typeof value === 'object')
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, resolveVariables(v)]));
    return value;
  };
  return {
    derived,
    resolveVariables,
    resolve: (value) => resolveLocal(resolveVariables(value), resources),
  };
};
