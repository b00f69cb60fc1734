import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse, type Tags } from 'yaml';
import { PROJECT_ROOT } from './project-root';

/**
 * Reads serverless.yml without the Serverless Framework: local mode and tests wire the
 * state machine's tasks to handlers from the same declarations that production uses.
 * CloudFormation intrinsics (!Ref, !GetAtt, !Sub …) are kept as `{ Ref: … }` objects.
 */
const intrinsic = (tag: string, key: string, collection?: 'seq' | 'map') => ({
  tag,
  ...(collection ? { collection } : {}),
  // A collection arrives as a YAML node: made plain here, inner intrinsics first.
  resolve: (value: unknown) => ({
    [key]:
      collection && typeof (value as { toJSON?: unknown }).toJSON === 'function'
        ? (value as { toJSON: () => unknown }).toJSON()
        : value,
  }),
});
const SHORT_FORMS = [
  'Ref',
  'Sub',
  'GetAtt',
  'Join',
  'Select',
  'Split',
  'ImportValue',
  'If',
  'Equals',
  'Not',
  'And',
  'Or',
  'FindInMap',
  'Base64',
  'Cidr',
  'GetAZs',
];
const CFN_TAGS: Tags = SHORT_FORMS.flatMap((name) => {
  const key = name === 'Ref' ? 'Ref' : `Fn::${name}`;
  return [
    intrinsic(`!${name}`, key),
    intrinsic(`!${name}`, key, 'seq'),
    intrinsic(`!${name}`, key, 'map'),
  ];
}) as Tags;

/** Parses a CloudFormation (or serverless.yml) YAML text, keeping intrinsics as objects. */
export const parseCloudFormation = (text: string): unknown => parse(text, { customTags: CFN_TAGS });

export type FunctionDeclaration = {
  key: string;
  /** e.g. functions/resolve-model/handler.handler */
  handler: string;
  /** Path of the handler module without extension, and its export name. */
  module: string;
  exportName: string;
  environment: Record<string, unknown>;
  iamRoleStatements: { Effect: string; Action: string[] | string; Resource: unknown }[];
  timeout?: number;
};

export type ServiceDeclaration = {
  root: string;
  providerEnvironment: Record<string, unknown>;
  functions: Record<string, FunctionDeclaration>;
  raw: Record<string, unknown>;
};

export const readService = (root = PROJECT_ROOT): ServiceDeclaration => {
  const raw = parse(readFileSync(join(root, 'serverless.yml'), 'utf8'), {
    customTags: CFN_TAGS,
  }) as {
    provider: { environment?: Record<string, unknown> };
    functions: Record<
      string,
      {
        handler: string;
        environment?: Record<string, unknown>;
        iamRoleStatements?: [];
        timeout?: number;
      }
    >;
  };
  const functions = Object.fromEntries(
    Object.entries(raw.functions).map(([key, fn]) => {
      const dot = fn.handler.lastIndexOf('.');
      return [
        key,
        {
          key,
          handler: fn.handler,
          module: fn.handler.slice(0, dot),
          exportName: fn.handler.slice(dot + 1),
          environment: fn.environment ?? {},
          iamRoleStatements: fn.iamRoleStatements ?? [],
          timeout: fn.timeout,
        },
      ];
    }),
  );
  return {
    root,
    providerEnvironment: raw.provider.environment ?? {},
    functions,
    raw: raw as never,
  };
};
