import { HeadObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { inferenceArtifactKey } from '../../functions/shared/greengrass/inference-artifact';
import {
  buildInferenceArchive,
  sourceFolderOf,
} from '../../functions/shared/stage-config/inference-source';
import type { Inference, StageConfig } from '../../functions/shared/stage-config/schema';

const isNotFound = (error: unknown) =>
  (error as { name?: string }).name === 'NotFound' ||
  (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode === 404;

/**
 * Uploads each inference archive built from `components.inference.source` to the stack's
 * artifact bucket, after `serverless deploy` (inference-artifacts.cjs): the archive is built
 * again from the folder and must be the one packaging resolved (its SHA-256 is what the
 * Lambdas register), so a folder edited between package and deploy stops the upload with a
 * message instead of shipping bytes no recipe names. The key names the content, so an archive
 * already there is left as is; S3 checks the upload against its SHA-256 (ChecksumSHA256).
 * Returns one line per model group for the deploy log.
 */
export const uploadInferenceArchives = async (input: {
  config: StageConfig;
  configFile: string;
  bucket: string;
  s3: S3Client;
}): Promise<string[]> => {
  const { config, configFile, bucket, s3 } = input;
  const lines: string[] = [];
  for (const [group, profile] of Object.entries(config.modelGroups)) {
    const inference: Inference = profile.components.inference;
    if (!inference.source) continue;
    const archive = buildInferenceArchive(sourceFolderOf(configFile, inference.source));
    if (archive.sha256 !== inference.artifactSha256)
      throw new Error(
        `${inference.source} changed since ${configFile} was packaged (archive sha256 ${archive.sha256.slice(0, 12)}…, packaged ${String(inference.artifactSha256).slice(0, 12)}…): deploy again`,
      );
    const Key = inferenceArtifactKey({
      stage: config.stage,
      group,
      version: inference.version,
      sha256: archive.sha256,
    });
    const there = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key })).then(
      () => true,
      (error: unknown) => {
        if (isNotFound(error)) return false;
        throw error;
      },
    );
    if (!there)
      await s3.send(
        new PutObjectCommand({
          Bucket: bucket,
          Key,
          Body: archive.zip,
          ContentType: 'application/zip',
          ChecksumSHA256: Buffer.from(archive.sha256, 'hex').toString('base64'),
        }),
      );
    lines.push(
      `${group}: ${inference.source} → s3://${bucket}/${Key} (${there ? 'already there' : 'uploaded'})`,
    );
  }
  return lines;
};
