/**
 * Where an inference component built from a folder of this repository (`components.inference.source`)
 * lives in the stack's artifact bucket, shared by everything that writes or reads it: the upload
 * after `serverless deploy` (scripts/serverless/inference-artifacts.cjs), local mode's upload at
 * start, resolve-model (the plan's URI), the IAM and bucket-policy derivations.
 *
 * `s3://<artifact bucket>/<stage>/<group>/inference/<version>/<sha12>/inference.zip`
 *
 * The key names the content (first 12 hex digits of the archive's SHA-256), so an object, once
 * written, never changes: a component version whose recipe points at it can never meet other
 * bytes (the nucleus would fail the deployment with ARTIFACT_CHECKSUM_MISMATCH), and an upload
 * of new content never overwrites what a registered version uses. The version stays in the key
 * so operators can see which component version a file belongs to. The file is always
 * `inference.zip`, so Greengrass unpacks it to `{artifacts:decompressedPath}/inference/`
 * (component recipe reference, "Artifacts": an archive unzips to a folder named after it).
 */
export const INFERENCE_ARCHIVE = 'inference.zip';

/** The folder an archive artifact unpacks to, as `run` scripts name it. */
export const INFERENCE_UNPACKED = '{artifacts:decompressedPath}/inference/';

/** `<stage>/<group>/inference/`: every built inference archive of a model group. */
export const inferenceArtifactPrefix = (stage: string, group: string) =>
  `${stage}/${group}/inference/`;

export const inferenceArtifactKey = (a: {
  stage: string;
  group: string;
  version: string;
  sha256: string;
}) =>
  `${inferenceArtifactPrefix(a.stage, a.group)}${a.version}/${a.sha256.slice(0, 12)}/${INFERENCE_ARCHIVE}`;

export const inferenceArtifactUri = (a: {
  bucket: string;
  stage: string;
  group: string;
  version: string;
  sha256: string;
}) => `s3://${a.bucket}/${inferenceArtifactKey(a)}`;

/**
 * A recipe artifact's `Digest` as Greengrass computes and checks it: the Base64 of the file's
 * hash under `Algorithm` (aws-greengrass-nucleus, ArtifactDownloader: `MessageDigest
 * .getInstance(algorithm)`, `Base64.getEncoder().encodeToString(digest)`).
 */
export const recipeDigestOf = (sha256Hex: string) =>
  Buffer.from(sha256Hex, 'hex').toString('base64');
