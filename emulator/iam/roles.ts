import type { ServiceDeclaration } from '../serverless-service';

/**
 * The execution role of each function as `npm run package` builds it, for the local stage.
 * serverless-iam-roles-per-function (node_modules/serverless-iam-roles-per-function, v3.2.0,
 * createRoleForFunction) gives every function that declares `iamRoleStatements` a role of its
 * own: a log statement, then the provider's `iam.role.statements` when the function inherits
 * them (`iamRoleStatementsInherit`, or the plugin's `defaultInherit`), then its own statements.
 * A function without statements runs with the framework's default role, which holds the
 * provider's statements plus the X-Ray actions the framework adds when tracing is on.
 */
export type Statement = {
  Sid?: string;
  Effect: string;
  Action?: string | string[];
  NotAction?: string | string[];
  Resource?: unknown;
  NotResource?: unknown;
  Condition?: Record<string, Record<string, unknown>>;
  Principal?: unknown;
};

export type Role = {
  name: string;
  arn: string;
  account: string;
  statements: Statement[];
  /** Who may assume the role (its trust policy), when the emulator knows it. */
  trust?: Statement[];
};

export type FunctionRole = Role & { functionKey: string; traced: boolean };

const PLUGIN = 'serverless-iam-roles-per-function';

/** The framework's default role name with the function inserted, as the plugin names it. */
const roleName = (service: string, stage: string, region: string, fn?: string) => {
  const parts = [service, stage, ...(fn ? [fn] : []), region, 'lambdaRole'];
  if (parts.join('-').length > 64) parts.pop();
  return parts.join('-');
};

/** Whether Lambda runs the function with active tracing (provider or function setting). */
const isTraced = (provider: any, fn: any): boolean => {
  const own = fn?.tracing;
  if (own !== undefined) return own === true || own === 'Active';
  const lambda = provider?.tracing?.lambda;
  return lambda === true || lambda === 'Active';
};

const X_RAY: Statement = {
  Effect: 'Allow',
  Action: ['xray:PutTraceSegments', 'xray:PutTelemetryRecords'],
  Resource: ['*'],
};

export const functionRoles = (
  service: ServiceDeclaration,
  options: {
    account: string;
    region: string;
    stage: string;
    /** Resolves CloudFormation intrinsics and `${self:custom…}` variables to local values. */
    resolve: (value: unknown) => unknown;
  },
): Record<string, FunctionRole> => {
  const raw = service.raw as any;
  const provider = raw.provider ?? {};
  const serviceName = String(raw.service ?? 'service');
  const defaultInherit = Boolean(raw.custom?.[PLUGIN]?.defaultInherit);
  const providerStatements: Statement[] = provider.iam?.role?.statements ?? [];
  const roles: Record<string, FunctionRole> = {};
  for (const [key, fn] of Object.entries(raw.functions as Record<string, any>)) {
    const own: Statement[] = fn.iamRoleStatements ?? [];
    const traced = isTraced(provider, fn);
    const perFunction = own.length > 0;
    const inherit =
      fn.iamRoleStatementsInherit === true ||
      (defaultInherit && fn.iamRoleStatementsInherit !== false);
    const statements = perFunction
      ? [...(inherit ? providerStatements : []), ...own]
      : [...providerStatements, ...(traced ? [X_RAY] : [])];
    const name = perFunction
      ? (fn.iamRoleStatementsName ?? roleName(serviceName, options.stage, options.region, key))
      : roleName(serviceName, options.stage, options.region);
    roles[key] = {
      functionKey: key,
      traced,
      name,
      arn: `arn:aws:iam::${options.account}:role/${name}`,
      account: options.account,
      statements: options.resolve(statements) as Statement[],
    };
  }
  return roles;
};
