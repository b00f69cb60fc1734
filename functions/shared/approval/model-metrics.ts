import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { DescribeModelPackageCommand, type SageMakerClient } from '@aws-sdk/client-sagemaker';

/**
 * The model's metrics as values, for the approval page: read from the evaluation report its
 * model package points to (DescribeModelPackage `ModelMetrics` → MetricsSource `S3Uri`, see
 * the SageMaker API reference, ModelMetrics / ModelQuality / MetricsSource). When it cannot
 * be read, the page says why instead of showing nothing.
 */
export type MetricsEvidence =
  | { source: string; values: Record<string, number> }
  | { source?: string; problem: string };

export type MetricSource = { kind: string; contentType?: string; s3Uri: string };

/** Every metrics document of a package's `ModelMetrics` (group.kind → S3 location). */
export const metricSourcesOf = (modelMetrics: object | undefined): MetricSource[] => {
  const sources: MetricSource[] = [];
  for (const [group, kinds] of Object.entries(modelMetrics ?? {})) {
    for (const [kind, source] of Object.entries((kinds ?? {}) as Record<string, unknown>)) {
      const s = source as { S3Uri?: string; ContentType?: string } | undefined;
      if (s?.S3Uri)
        sources.push({ kind: `${group}.${kind}`, contentType: s.ContentType, s3Uri: s.S3Uri });
    }
  }
  return sources;
};

/** Reports larger than this are not evaluation summaries; the page does not read them. */
const MAX_REPORT_BYTES = 1_000_000;
/** The page shows at most this many metrics per version. */
const MAX_METRICS = 24;

/**
 * Metric name → value from an evaluation report. Understands SageMaker's model quality
 * statistics (`{"binary_classification_metrics": {"accuracy": {"value": 0.96, …}}}`, as a
 * SageMaker Pipelines evaluation step writes them) and flat objects of numbers; nested names
 * are joined with dots, and the `…_metrics` section names are left out.
 */
export const metricValues = (report: unknown): Record<string, number> => {
  const values: Record<string, number> = {};
  const visit = (node: unknown, path: string[]) => {
    if (Object.keys(values).length >= MAX_METRICS) return;
    if (typeof node === 'number' && Number.isFinite(node) && path.length) {
      values[path.join('.')] = node;
      return;
    }
    if (!node || typeof node !== 'object' || Array.isArray(node)) return;
    const record = node as Record<string, unknown>;
    if (typeof record.value === 'number' && path.length) {
      if (Number.isFinite(record.value)) values[path.join('.')] = record.value;
      return;
    }
    for (const [key, child] of Object.entries(record)) {
      // Not metrics: the report's format version, spreads, and the evaluated data set's size.
      if (key === 'version' || key === 'standard_deviation' || key === 'dataset') continue;
      visit(child, key.endsWith('_metrics') ? path : [...path, key]);
    }
  };
  visit(report, []);
  return values;
};

const parseS3Uri = (uri: string) => {
  const m = /^s3:\/\/([^/]+)\/(.+)$/.exec(uri);
  return m ? { Bucket: m[1]!, Key: m[2]! } : undefined;
};

const why = (error: unknown) =>
  `${(error as Error).name ?? 'Error'}: ${(error as Error).message ?? String(error)}`;

/** The evaluation report among a package's metric sources: model quality statistics first. */
export const evaluationSource = (sources: MetricSource[]) =>
  sources.find((s) => s.kind === 'ModelQuality.Statistics') ??
  sources.find((s) => !s.contentType || s.contentType.includes('json'));

/** Reads one evaluation report from S3 and takes its metric values. */
export const readEvaluation = async (
  s3: S3Client,
  sources: MetricSource[],
): Promise<MetricsEvidence> => {
  const source = evaluationSource(sources);
  if (!source) return { problem: 'the model package names no evaluation report (ModelMetrics)' };
  const location = parseS3Uri(source.s3Uri);
  if (!location) return { source: source.s3Uri, problem: 'not an s3:// location' };
  try {
    const object = await s3.send(new GetObjectCommand(location));
    if ((object.ContentLength ?? 0) > MAX_REPORT_BYTES)
      return { source: source.s3Uri, problem: `larger than ${MAX_REPORT_BYTES} bytes` };
    const text = (await object.Body?.transformToString()) ?? '';
    let report: unknown;
    try {
      report = JSON.parse(text);
    } catch {
      return { source: source.s3Uri, problem: 'not JSON' };
    }
    const values = metricValues(report);
    if (!Object.keys(values).length)
      return { source: source.s3Uri, problem: 'no numeric metrics in the report' };
    return { source: source.s3Uri, values };
  } catch (error) {
    return { source: source.s3Uri, problem: `could not be read (${why(error)})` };
  }
};

/** The evaluation of another version (the one live on a fleet), from its model package. */
export const readPackageEvaluation = async (
  clients: { s3: S3Client; sagemaker: SageMakerClient },
  modelPackageArn: string,
): Promise<MetricsEvidence> => {
  try {
    const pkg = await clients.sagemaker.send(
      new DescribeModelPackageCommand({ ModelPackageName: modelPackageArn }),
    );
    return await readEvaluation(clients.s3, metricSourcesOf(pkg.ModelMetrics));
  } catch (error) {
    return { problem: `the model package could not be read (${why(error)})` };
  }
};
