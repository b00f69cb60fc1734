import { createHash } from 'node:crypto';

/**
 * Deterministic names: the natural idempotency keys of the pipeline. The same inputs
 * always give the same name, so a retry, a redrive or a duplicate event finds the
 * resource the first attempt created instead of making a second one.
 *
 * A name that had to be shortened or cleaned of characters the API refuses carries a
 * hash of its full raw input, so two different inputs never collapse into one name.
 */

/** Naming rules of one AWS API field (sources: botocore service models, see aws-facts.md). */
export type NameRule = {
  /** Longest name the API accepts. */
  maxLength: number;
  /** Characters the API accepts; everything else is replaced by `separator`. */
  invalidChars: RegExp;
  /** Joins parts and replaces refused characters; must itself be allowed. */
  separator: string;
  /** Whether the name must start and end with a letter or digit. */
  alphanumericEnds: boolean;
  /** The full pattern the API checks, to verify what we produce. */
  pattern: RegExp;
};

/** SageMaker `EntityName` (compilation and packaging jobs): `[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}`. */
export const SAGEMAKER_ENTITY_NAME: NameRule = {
  maxLength: 63,
  invalidChars: /[^a-zA-Z0-9-]+/g,
  separator: '-',
  alphanumericEnds: true,
  pattern: /^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$/,
};

/**
 * A versioned model package ARN, `…:model-package/<group>/<version>`: the group is an
 * EntityName (above) and the version SageMaker's 1–999,999,999.
 */
export const MODEL_PACKAGE_ARN =
  /^arn:aws[a-z-]*:sagemaker:[a-z0-9-]+:\d{12}:model-package\/[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}\/\d{1,9}$/;

/** SageMaker Edge Manager `EdgeVersion`: 1–30 of `[a-zA-Z0-9 _.]`, no hyphen. */
export const EDGE_MODEL_VERSION: NameRule = {
  maxLength: 30,
  invalidChars: /[^a-zA-Z0-9_.]+/g,
  separator: '_',
  alphanumericEnds: true,
  pattern: /^[a-zA-Z0-9 _.]{1,30}$/,
};

/**
 * Step Functions execution name: 1–80 characters. The API refuses whitespace, brackets,
 * wildcards and punctuation; CloudWatch Logs wants only `0-9A-Za-z-_`, so we keep to that.
 */
export const EXECUTION_NAME: NameRule = {
  maxLength: 80,
  invalidChars: /[^a-zA-Z0-9_-]+/g,
  separator: '-',
  alphanumericEnds: true,
  pattern: /^[a-zA-Z0-9_-]{1,80}$/,
};

/** Greengrass v2 `clientToken`: 1–64 of `[a-zA-Z0-9-]`. */
export const GREENGRASS_CLIENT_TOKEN: NameRule = {
  maxLength: 64,
  invalidChars: /[^a-zA-Z0-9-]+/g,
  separator: '-',
  alphanumericEnds: true,
  pattern: /^[a-zA-Z0-9-]{1,64}$/,
};

/** Model component version: `<major>.0.<model package version>`, one per registry version. */
export const modelComponentVersion = (major: number, modelPackageVersion: number): string =>
  `${major}.0.${modelPackageVersion}`;

/**
 * The model component a target's devices run: the profile's name, or with Edge Manager
 * packaging (one component per packaging job) the name suffixed with the target's.
 */
export const modelComponentName = (
  profile: { packaging: string; components: { model: { name: string } } },
  targetName: string,
): string =>
  profile.packaging === 'edge-manager'
    ? `${profile.components.model.name}.${targetName}`
    : profile.components.model.name;

/** The ARN an execution named `name` of a state machine has (Step Functions' own scheme). */
export const executionArnOf = (stateMachineArn: string, name: string): string =>
  `${stateMachineArn.replace(':stateMachine:', ':execution:')}:${name}`;

const HASH_LENGTH = 10;

/** First `length` hex characters of the SHA-256 of `text`. */
export const shortHash = (text: string, length = HASH_LENGTH): string =>
  createHash('sha256').update(text).digest('hex').slice(0, length);

const trimEnds = (text: string, rule: NameRule): string =>
  rule.alphanumericEnds ? text.replace(/^[^a-zA-Z0-9]+|[^a-zA-Z0-9]+$/g, '') : text;

/**
 * Joins `parts` into a name that satisfies `rule`. When the parts fit as they are the
 * name is readable and hash-free; otherwise it keeps a readable prefix and ends with a
 * hash of all raw parts (never a bare truncation, which could collide).
 */
export const deterministicName = (parts: readonly (string | number)[], rule: NameRule): string => {
  const raw = parts.map(String);
  const cleaned = raw
    .map((part) => trimEnds(part.replace(rule.invalidChars, rule.separator), rule))
    .filter((part) => part.length > 0)
    .join(rule.separator);
  const untouched = cleaned === raw.join(rule.separator);
  if (untouched && cleaned.length > 0 && cleaned.length <= rule.maxLength) return cleaned;

  const hash = shortHash(JSON.stringify(raw));
  const room = rule.maxLength - hash.length - rule.separator.length;
  const prefix = trimEnds(cleaned.slice(0, room), rule);
  const name = prefix ? `${prefix}${rule.separator}${hash}` : hash;
  return name;
};

/** Stable JSON: object keys sorted at every depth, so equal values hash equally. */
export const canonicalJson = (value: unknown): string =>
  JSON.stringify(value, (_key, val: unknown) =>
    val && typeof val === 'object' && !Array.isArray(val)
      ? Object.fromEntries(
          Object.entries(val as Record<string, unknown>).sort(([a], [b]) => a.localeCompare(b)),
        )
      : val,
  );

/** Full SHA-256 of the canonical JSON of a value (recipes, deployment documents). */
export const contentHash = (value: unknown): string =>
  createHash('sha256').update(canonicalJson(value)).digest('hex');
