import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { isNode, LineCounter, parseDocument } from 'yaml';
import type { z } from 'zod';
import { ConfigError } from '../errors';
import { formatPath } from '../validate';
import {
  buildInferenceArchive,
  checkEntryPoint,
  InferenceSourceError,
  sourceFolderOf,
} from './inference-source';
import { writeResolvedStageConfig } from './resolve';
import { resolvedPathOf } from './resolved';
import { type Inference, type StageConfig, StageConfigSchema } from './schema';

const lineOf = (
  doc: ReturnType<typeof parseDocument>,
  counter: LineCounter,
  path: readonly PropertyKey[],
): number | undefined => {
  // The deepest node that exists: for a missing field, the object that should hold it.
  for (let depth = path.length; depth >= 0; depth--) {
    const node = doc.getIn(path.slice(0, depth) as (string | number)[], true);
    if (isNode(node) && node.range) return counter.linePos(node.range[0]).line;
  }
  return undefined;
};

const describeIssue = (issue: z.core.$ZodIssue): string => {
  if (issue.code === 'unrecognized_keys') return `unknown field(s) ${issue.keys.join(', ')}`;
  if (issue.code === 'invalid_key' && issue.issues[0]) return issue.issues[0].message;
  return issue.message;
};

/**
 * Parses and validates a stage configuration held in `text`. Throws `ConfigError`
 * naming the first bad field, e.g.
 * `config/prod.yml:42: modelGroups.detector.fleets[0].waves[0].abort.minExecutedThings: Too small: expected number to be >=1`.
 */
export const parseStageConfig = (text: string, source: string): StageConfig => {
  const counter = new LineCounter();
  const doc = parseDocument(text, { lineCounter: counter, prettyErrors: false });
  const yamlError = doc.errors[0];
  if (yamlError) {
    const line = counter.linePos(yamlError.pos[0]).line;
    throw new ConfigError(
      `${source}${line ? `:${line}` : ''}: not valid YAML: ${yamlError.message.split('\n')[0]}`,
    );
  }
  const result = StageConfigSchema.safeParse(doc.toJS());
  if (!result.success) {
    const issue = result.error.issues[0]!;
    const path = issue.path;
    const line = lineOf(doc, counter, path);
    const more = result.error.issues.length > 1 ? ` (+${result.error.issues.length - 1} more)` : '';
    throw new ConfigError(
      `${source}${line ? `:${line}` : ''}: ${formatPath(path)}: ${describeIssue(issue)}${more}`,
    );
  }
  const expectedStage = basename(source).replace(/\.ya?ml$/, '');
  if (/^[a-z0-9-]+$/.test(expectedStage) && result.data.stage !== expectedStage) {
    throw new ConfigError(
      `${source}: stage: "${result.data.stage}" does not match the file name (expected "${expectedStage}")`,
    );
  }
  return result.data;
};

/** The SHA-256 of the archive of `inference.source`, or the field that is wrong and why. */
const buildSource = (
  inference: Inference & { source: string },
  file: string,
): { sha256: string } | { field: 'source' | 'run'; message: string } => {
  const refusal = (field: 'source' | 'run', error: unknown) => {
    if (!(error instanceof InferenceSourceError)) throw error;
    return { field, message: error.message };
  };
  let archive: ReturnType<typeof buildInferenceArchive>;
  try {
    archive = buildInferenceArchive(sourceFolderOf(file, inference.source));
  } catch (error) {
    return refusal('source', error);
  }
  try {
    checkEntryPoint(inference.run, archive, inference.source);
  } catch (error) {
    return refusal('run', error);
  }
  return { sha256: archive.sha256 };
};

/**
 * Builds each inference component whose profile names a `source` folder (inference-source.ts)
 * and adds the archive's SHA-256 to it (`artifactSha256`), so the resolved JSON pins the exact
 * bytes the pipeline registers and devices verify. A missing folder, an empty one or a `run`
 * that starts no file of it stops the resolution with the file, line and field.
 */
export const withInferenceArtifacts = (
  config: StageConfig,
  file: string,
  text: string,
): StageConfig => {
  const modelGroups: StageConfig['modelGroups'] = {};
  for (const [group, profile] of Object.entries(config.modelGroups)) {
    const inference: Inference = profile.components.inference;
    if (!inference.source) {
      modelGroups[group] = profile;
      continue;
    }
    const built = buildSource({ ...inference, source: inference.source }, file);
    if ('field' in built) {
      const path = ['modelGroups', group, 'components', 'inference', built.field];
      const counter = new LineCounter();
      const line = lineOf(parseDocument(text, { lineCounter: counter }), counter, path);
      throw new ConfigError(
        `${file}${line ? `:${line}` : ''}: ${formatPath(path)}: ${built.message}`,
      );
    }
    const resolved: Inference = { ...inference, artifactSha256: built.sha256 };
    modelGroups[group] = {
      ...profile,
      components: { ...profile.components, inference: resolved },
    };
  }
  return { ...config, modelGroups };
};

/**
 * Reads and validates `config/<stage>.yml` (see `parseStageConfig`), builds the inference
 * archives it names (`withInferenceArtifacts`), and leaves the result
 * beside it as the JSON the Lambdas read (`config/resolved/<stage>.json`, see resolved.ts).
 * Packaging and local mode both load the file through here, so the JSON is always the one
 * this validation produced.
 */
export const loadStageConfig = (file: string): StageConfig => {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new ConfigError(`${file}: cannot read: ${(error as Error).message}`);
  }
  const config = withInferenceArtifacts(parseStageConfig(text, file), file, text);
  try {
    writeResolvedStageConfig(file, text, config);
  } catch (error) {
    throw new ConfigError(
      `${resolvedPathOf(file)}: cannot write the resolved configuration: ${(error as Error).message}`,
    );
  }
  return config;
};
