import {
  DescribeModelPackageCommand,
  type SageMakerClient,
  UpdateModelPackageCommand,
} from '@aws-sdk/client-sagemaker';
import { classifyAwsError, isAwsError, TransientError } from '../errors';

/**
 * Writes the pipeline's outcome onto the model package as CustomerMetadataProperties,
 * within SageMaker's limits: at most 50 entries in all, keys ≤ 128 and values ≤ 256
 * characters of `[\p{L}\p{Z}\p{N}_.:/=+\-@]`.
 */
const MAX_ENTRIES = 50;
const MAX_VALUE = 256;
const ALLOWED = /[^\p{L}\p{Z}\p{N}_.:/=+\-@]/gu;

export const metadataValue = (text: string): string => {
  const clean = text.replace(ALLOWED, ' ').replace(/\s+/g, ' ').trim() || '-';
  return clean.length > MAX_VALUE
    ? `${clean.slice(0, MAX_VALUE - 1)}…`.replace(ALLOWED, '')
    : clean;
};

export const metadataKey = (stage: string, name: string) =>
  `edge-mlops:${stage}:${name}`.slice(0, 128);

/**
 * `entries` in priority order: when the package has too many other entries, the later
 * ones are dropped rather than failing the write.
 */
export const writeOutcome = async (
  sagemaker: SageMakerClient,
  modelPackageArn: string,
  entries: [string, string][],
): Promise<Record<string, string>> => {
  let existing: Record<string, string>;
  try {
    const pkg = await sagemaker.send(
      new DescribeModelPackageCommand({ ModelPackageName: modelPackageArn }),
    );
    existing = pkg.CustomerMetadataProperties ?? {};
  } catch (error) {
    throw classifyAwsError(error, 'DescribeModelPackage');
  }
  const ours = new Set(entries.map(([k]) => k));
  const room = MAX_ENTRIES - Object.keys(existing).filter((k) => !ours.has(k)).length;
  const properties = Object.fromEntries(
    entries.slice(0, Math.max(0, room)).map(([k, v]) => [k, metadataValue(v)]),
  );
  if (Object.keys(properties).length === 0) return properties;
  try {
    await sagemaker.send(
      new UpdateModelPackageCommand({
        ModelPackageArn: modelPackageArn,
        CustomerMetadataProperties: properties,
      }),
    );
  } catch (error) {
    // A concurrent update of the same package: try again shortly.
    if (isAwsError(error, 'ConflictException')) {
      throw new TransientError(`UpdateModelPackage conflict: ${(error as Error).message}`, {
        cause: error,
      });
    }
    throw classifyAwsError(error, 'UpdateModelPackage');
  }
  return properties;
};
