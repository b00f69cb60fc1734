import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { DescribeModelPackageCommand, type SageMakerClient } from '@aws-sdk/client-sagemaker';
import { type DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { writeIf } from './conditional-write';
import { classifyAwsError, isAwsError } from './errors';

export type FeatureBaseline = { edges: number[]; proportions: number[] };
export type Baseline = {
  features: Record<string, FeatureBaseline>;
  predictions: Record<string, number>;
};

/**
 * The baseline a released version is compared with. Sources, first found wins:
 * 1. the model package's drift baselines (`DriftCheckBaselines.ModelDataQuality.Statistics.S3Uri`,
 *    SageMaker API reference, DriftCheckBaselines), when that document is in our format;
 * 2. the profile's `monitoring.baselineUri` (`{version}` replaced).
 * Record Result snapshots it in the state table when the release reaches its fleets (and
 * the first drift evaluation does, when that could not), so the comparison of a release
 * never changes under it when someone rewrites the file later.
 */
export type BaselineDeps = {
  sagemaker: SageMakerClient;
  s3: S3Client;
  store: { dynamo: DynamoDBDocumentClient; table: string };
};

/** Why a document is not a baseline, or undefined when it is one. */
export const baselineProblem = (value: unknown): string | undefined => {
  if (typeof value !== 'object' || value === null) return 'not a JSON object';
  const b = value as Partial<Baseline>;
  if (typeof b.features !== 'object' || b.features === null) return 'missing features';
  if (typeof b.predictions !== 'object' || b.predictions === null) return 'missing predictions';
  for (const [name, f] of Object.entries(b.features)) {
    const { edges, proportions } = f ?? ({} as never);
    if (!Array.isArray(edges) || edges.length < 2 || !edges.every(Number.isFinite))
      return `feature ${name}: edges must be at least two numbers`;
    if (edges.some((e, i) => i > 0 && e <= edges[i - 1]!))
      return `feature ${name}: edges must ascend`;
    if (!Array.isArray(proportions) || proportions.length !== edges.length - 1)
      return `feature ${name}: needs one proportion per bin (${edges.length - 1})`;
    if (!proportions.every((p) => Number.isFinite(p) && p >= 0))
      return `feature ${name}: proportions must be non-negative numbers`;
  }
  if (!Object.values(b.predictions).every((p) => Number.isFinite(p) && p >= 0))
    return 'predictions must map labels to non-negative numbers';
  return undefined;
};

const s3Parts = (uri: string) => {
  const m = /^s3:\/\/([^/]+)\/(.+)$/.exec(uri);
  return m ? { Bucket: m[1]!, Key: m[2]! } : undefined;
};

const readDocument = async (
  s3: S3Client,
  uri: string,
): Promise<{ problem: string } | { baseline: Baseline }> => {
  const parts = s3Parts(uri);
  if (!parts) return { problem: `${uri} is not an s3:// URI` };
  try {
    const object = await s3.send(new GetObjectCommand(parts));
    const text = (await object.Body?.transformToString('utf8')) ?? '';
    const value = JSON.parse(text) as unknown;
    const problem = baselineProblem(value);
    return problem ? { problem: `${uri}: ${problem}` } : { baseline: value as Baseline };
  } catch (error) {
    if (error instanceof SyntaxError) return { problem: `${uri}: not JSON` };
    if (isAwsError(error, 'NoSuchKey')) return { problem: `${uri}: no such object` };
    throw classifyAwsError(error, `GetObject ${uri}`);
  }
};

export const baselineOf = async (
  deps: BaselineDeps,
  modelGroup: string,
  version: number,
  configuredUri: string | undefined,
): Promise<{ baseline: Baseline; source: string } | { missing: string }> => {
  const key = { pk: `drift#${modelGroup}`, sk: `baseline#${version}` };
  const stored = await deps.store.dynamo
    .send(new GetCommand({ TableName: deps.store.table, Key: key, ConsistentRead: true }))
    .catch((error) => {
      throw classifyAwsError(error, 'GetItem drift baseline');
    });
  if (stored.Item)
    return { baseline: JSON.parse(stored.Item.baseline as string), source: stored.Item.source };

  const problems: string[] = [];
  const pkg = await deps.sagemaker
    .send(new DescribeModelPackageCommand({ ModelPackageName: `${modelGroup}/${version}` }))
    .catch((error) => {
      throw classifyAwsError(error, `DescribeModelPackage ${modelGroup}/${version}`);
    });
  const uris = [
    pkg.DriftCheckBaselines?.ModelDataQuality?.Statistics?.S3Uri,
    configuredUri?.replaceAll('{version}', String(version)),
  ].filter((u): u is string => Boolean(u));
  for (const uri of uris) {
    const read = await readDocument(deps.s3, uri);
    if ('problem' in read) {
      problems.push(read.problem);
      continue;
    }
    // The first snapshot of a version wins; a concurrent run's is the same document.
    await writeIf(
      () =>
        deps.store.dynamo.send(
          new PutCommand({
            TableName: deps.store.table,
            Item: { ...key, baseline: JSON.stringify(read.baseline), source: uri },
            ConditionExpression: 'attribute_not_exists(pk)',
          }),
        ),
      'PutItem drift baseline',
    );
    return { baseline: read.baseline, source: uri };
  }
  return {
    missing: problems.length
      ? problems.join('; ')
      : 'the model package has no DriftCheckBaselines and monitoring.baselineUri is not set',
  };
};
