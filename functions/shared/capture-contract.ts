/**
 * The capture contract between the inference component (components/inference/) and
 * detect-drift (docs/monitoring.md).
 *
 * Devices write batches of sampled inferences as JSON lines to
 * `s3://<captureBucket>/<capturePrefix>/<model group>/<yyyy>/<mm>/<dd>/<HH>/<thingName>-<epochMs>-<seq>.jsonl`
 * (UTC hour of the batch's first record; the hourly layout follows SageMaker's own data
 * capture, SageMaker developer guide, "Capture data from real-time endpoint"). One line:
 *
 * `{"time": ISO-8601, "thingName", "modelGroup", "modelVersion": int, "inferenceId",
 *   "features": {name: number}, "prediction": string, "latencyMs": number}`
 *
 * Lines that are not JSON or lack a field are counted as rejected, never guessed at.
 */
export type CaptureRecord = {
  time: string;
  thingName: string;
  modelGroup: string;
  modelVersion: number;
  inferenceId: string;
  features: Record<string, number>;
  prediction: string;
  latencyMs: number;
};

/**
 * A window is scored only once it ended this long before the run: a device writes a batch up
 * to 5 minutes after its first record (components/inference capture.py, max_age_s) and retries
 * a failed write every 30 s, so a run right after the window's end would miss its last
 * batches, for good (the next run scores the next window).
 */
export const CAPTURE_LAG_MS = 15 * 60_000;

const two = (n: number) => String(n).padStart(2, '0');

/** The key prefix of one UTC hour of captures of a model group (with trailing slash). */
export const captureHourPrefix = (prefix: string, modelGroup: string, hourStartMs: number) => {
  const d = new Date(hourStartMs);
  return `${prefix}/${modelGroup}/${d.getUTCFullYear()}/${two(d.getUTCMonth() + 1)}/${two(d.getUTCDate())}/${two(d.getUTCHours())}/`;
};

/** The key of one batch written by a device. */
export const captureBatchKey = (
  prefix: string,
  modelGroup: string,
  thingName: string,
  firstRecordMs: number,
  seq: number,
) =>
  `${captureHourPrefix(prefix, modelGroup, Math.floor(firstRecordMs / 3_600_000) * 3_600_000)}${thingName}-${firstRecordMs}-${seq}.jsonl`;

const isFiniteNumber = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

/** Why a line is not a capture record, or the record. */
export const parseCaptureLine = (
  line: string,
): { record: CaptureRecord } | { rejected: string } => {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return { rejected: 'not JSON' };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    return { rejected: 'not a JSON object' };
  const r = value as Record<string, unknown>;
  for (const field of ['time', 'thingName', 'modelGroup', 'inferenceId', 'prediction'] as const)
    if (typeof r[field] !== 'string' || r[field] === '') return { rejected: `missing ${field}` };
  if (!Number.isInteger(r.modelVersion) || (r.modelVersion as number) < 1)
    return { rejected: 'missing modelVersion' };
  if (Number.isNaN(Date.parse(r.time as string))) return { rejected: 'bad time' };
  if (!isFiniteNumber(r.latencyMs)) return { rejected: 'missing latencyMs' };
  const features = r.features;
  if (typeof features !== 'object' || features === null || Array.isArray(features))
    return { rejected: 'missing features' };
  if (!Object.values(features).every(isFiniteNumber)) return { rejected: 'non-numeric feature' };
  return { record: r as unknown as CaptureRecord };
};
