import {
  caughtErrorNames,
  ERROR_TAXONOMY,
  LAMBDA_SERVICE_ERRORS,
  PERSISTENT_RETRY,
  type RetryPolicy,
  type Taxonomy,
} from '../functions/shared/error-taxonomy';
// Imported, not read from disk: the CLI runs bundled (cli/bundle.ts), where no file sits beside this one.
import edgeDeployment from './edge-deployment.asl.json';
import rollBackRejected from './roll-back-rejected.asl.json';

/**
 * The state machines are written as ASL templates that hold states, transitions and
 * comments; this module turns a template into the plain JSONPath ASL that is deployed:
 *
 * 1. Error handling comes from the error taxonomy (functions/shared/error-taxonomy.ts).
 *    Each Task (and Map) says what it needs in an `Errors` field, which is replaced by the
 *    `Retry` and `Catch` blocks:
 *      "Errors": { "Retry": ["FleetBusy"], "Catch": "Record Failure" }
 *    - every Task retries Lambda service errors and `TransientError` (the taxonomy's policy;
 *      `"Persistent": true` for the longer one of rollbacks);
 *    - `Retry` names further transient errors the task raises, each with its own policy;
 *    - `Catch` is where every permanent error of the taxonomy goes (ResultPath `$.error`);
 *    - `Timeout` is where `States.Timeout` goes (callback tasks), `CatchAll` where anything
 *      goes (`States.ALL`, the fleet rollout's Map).
 *    A template with a hand-written Retry or Catch, or a Task without `Errors`, is refused.
 * 2. Lambda tasks name their function as a placeholder, `"Resource": "${resolveModel}"`,
 *    where `resolveModel` is the function's key in serverless.yml (SAM-style definition
 *    substitutions, which serverless-step-functions lacks): serverless.yml makes them
 *    `Fn::GetAtt: [key, Arn]` (serverless-definitions.cjs), tests and local mode whatever ARN they choose.
 */
export const STATE_MACHINES = {
  edgeDeployment: 'edge-deployment.asl.json',
  rollBackRejected: 'roll-back-rejected.asl.json',
} as const;
export type MachineKey = keyof typeof STATE_MACHINES;

type Json = Record<string, unknown>;
export type AslState = Json & { Type: string };
export type AslDefinition = Json & { StartAt: string; States: Record<string, AslState> };

type ErrorsAnnotation = {
  Retry?: string[];
  Persistent?: boolean;
  Catch?: string;
  Timeout?: string;
  CatchAll?: string;
};
const ANNOTATION_KEYS = new Set(['Retry', 'Persistent', 'Catch', 'Timeout', 'CatchAll']);
const PLACEHOLDER = /^\$\{([A-Za-z][A-Za-z0-9]*)\}$/;

const TEMPLATES: Record<MachineKey, unknown> = { edgeDeployment, rollBackRejected };

/** A fresh copy of a machine's template (callers transform it). */
export const loadTemplate = (machine: MachineKey): AslDefinition =>
  structuredClone(TEMPLATES[machine]) as AslDefinition;

const retrier = (errorEquals: string[], policy: RetryPolicy) => ({
  ErrorEquals: errorEquals,
  ...policy,
});

/** The Retry and Catch blocks an `Errors` annotation stands for. */
const errorHandling = (where: string, annotation: ErrorsAnnotation, taxonomy: Taxonomy) => {
  const unknown = Object.keys(annotation).filter((key) => !ANNOTATION_KEYS.has(key));
  if (unknown.length) throw new Error(`${where}: unknown Errors field(s) ${unknown.join(', ')}`);
  const transient = taxonomy.TransientError?.retry;
  if (!transient) throw new Error('the taxonomy has no retry policy for TransientError');
  const retry = [
    retrier(
      [...LAMBDA_SERVICE_ERRORS, 'TransientError'],
      annotation.Persistent ? { ...transient, ...PERSISTENT_RETRY } : transient,
    ),
    ...(annotation.Retry ?? []).map((name) => {
      const entry = taxonomy[name];
      if (entry?.kind !== 'transient' || !entry.retry)
        throw new Error(
          `${where}: Errors.Retry names ${name}, not a transient error of the taxonomy`,
        );
      return retrier([name], entry.retry);
    }),
  ];
  const caught = (errorEquals: string[], next: string) => ({
    ErrorEquals: errorEquals,
    ResultPath: '$.error',
    Next: next,
  });
  const catchers = [
    ...(annotation.Timeout ? [caught(['States.Timeout'], annotation.Timeout)] : []),
    ...(annotation.Catch ? [caught(caughtErrorNames(taxonomy), annotation.Catch)] : []),
    ...(annotation.CatchAll ? [caught(['States.ALL'], annotation.CatchAll)] : []),
  ];
  return { retry, catchers };
};

const injectInto = (definition: AslDefinition, taxonomy: Taxonomy): AslDefinition => ({
  ...definition,
  States: Object.fromEntries(
    Object.entries(definition.States).map(([name, state]) => {
      if (state.Retry || state.Catch)
        throw new Error(`${name}: Retry and Catch come from the error taxonomy; use "Errors"`);
      const annotation = state.Errors as ErrorsAnnotation | undefined;
      if (state.Type === 'Task' && !annotation)
        throw new Error(`${name}: every Task declares its error handling in "Errors"`);
      const out: Json = {};
      for (const [key, value] of Object.entries(state)) {
        if (key === 'Errors') {
          const { retry, catchers } = errorHandling(name, value as ErrorsAnnotation, taxonomy);
          // Map states retry nothing themselves: their iterations' tasks do.
          if (state.Type === 'Task') out.Retry = retry;
          if (catchers.length) out.Catch = catchers;
        } else if (key === 'ItemProcessor') {
          out[key] = injectInto(value as AslDefinition, taxonomy);
        } else {
          out[key] = value;
        }
      }
      return [name, out as AslState];
    }),
  ),
});

/** The template with every `Errors` annotation replaced by Retry and Catch from `taxonomy`. */
export const injectErrorHandling = (
  template: AslDefinition,
  taxonomy: Taxonomy = ERROR_TAXONOMY,
): AslDefinition => injectInto(template, taxonomy);

/** Replaces every `"${key}"` string at any depth with `replace(key)`. */
export const substitute = (value: unknown, replace: (key: string) => unknown): unknown => {
  if (typeof value === 'string') {
    const match = PLACEHOLDER.exec(value);
    return match ? replace(match[1]!) : value;
  }
  if (Array.isArray(value)) return value.map((item) => substitute(item, replace));
  if (value && typeof value === 'object')
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, substitute(v, replace)]));
  return value;
};

/** The deployable definition of `machine`, each function placeholder replaced by `functionArn(key)`. */
export const definitionOf = (
  machine: MachineKey,
  functionArn: (key: string) => unknown,
  taxonomy: Taxonomy = ERROR_TAXONOMY,
): AslDefinition =>
  substitute(injectErrorHandling(loadTemplate(machine), taxonomy), functionArn) as AslDefinition;

/** Every function key the machine's definition refers to. */
export const referencedFunctions = (machine: MachineKey): string[] => {
  const keys = new Set<string>();
  substitute(loadTemplate(machine), (key) => keys.add(key));
  return [...keys].sort();
};
