import { GetObjectCommand, ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import {
  type CaptureRecord,
  captureHourPrefix,
  parseCaptureLine,
} from '../shared/capture-contract';
import { classifyAwsError, isAwsError } from '../shared/errors';

export type CaptureWindow = {
  objects: number;
  /** Valid capture records of the model group, each handed to `onRecord` once. */
  records: number;
  /** Lines that are not capture records, by reason ("not JSON", "missing prediction" …). */
  rejected: Record<string, number>;
};

const HOUR_MS = 3_600_000;
/** Batches read at once: a window of thousands of batches fits the function's timeout. */
export const READS_IN_FLIGHT = 16;

/**
 * Reads every capture batch of a model group written in the window's UTC hours and hands
 * each valid record to `onRecord`, keeping none: the caller aggregates, so memory does not
 * grow with the window. A bad line is counted and skipped, and so is an object that is gone
 * or denied (`unreadable object (…)`); any other read error fails the run (transient: it is
 * retried, and the window is only recorded once it was read whole). ListObjectsV2 returns at most 1,000 keys per page (S3 API reference,
 * ListObjectsV2); up to READS_IN_FLIGHT GetObject calls run at a time.
 */
export const readCaptureWindow = async (
  s3: S3Client,
  where: { bucket: string; prefix: string; modelGroup: string },
  window: { startMs: number; endMs: number },
  onRecord: (record: CaptureRecord) => void,
): Promise<CaptureWindow> => {
  const out: CaptureWindow = { objects: 0, records: 0, rejected: {} };
  const reject = (reason: string) => {
    out.rejected[reason] = (out.rejected[reason] ?? 0) + 1;
  };
  const keys: string[] = [];
  for (let hour = window.startMs; hour < window.endMs; hour += HOUR_MS) {
    const Prefix = captureHourPrefix(where.prefix, where.modelGroup, hour);
    let ContinuationToken: string | undefined;
    do {
      const page = await s3
        .send(new ListObjectsV2Command({ Bucket: where.bucket, Prefix, ContinuationToken }))
        .catch((error) => {
          throw classifyAwsError(error, `ListObjectsV2 s3://${where.bucket}/${Prefix}`);
        });
      for (const { Key } of page.Contents ?? []) if (Key?.endsWith('.jsonl')) keys.push(Key);
      ContinuationToken = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (ContinuationToken);
  }
  const read = async (Key: string) => {
    let text: string;
    try {
      const o = await s3.send(new GetObjectCommand({ Bucket: where.bucket, Key }));
      text = (await o.Body?.transformToString('utf8')) ?? '';
    } catch (error) {
      // An object deleted since the listing or denied to us stays so: counted, or every run
      // would fail on it. Anything else (throttling, 5xx) fails the run, which is retried.
      if (isAwsError(error, 'NoSuchKey', 'AccessDenied')) {
        reject(`unreadable object (${(error as Error).name})`);
        return;
      }
      throw classifyAwsError(error, `GetObject s3://${where.bucket}/${Key}`);
    }
    out.objects += 1;
    for (const line of text.split('\n')) {
      if (line.trim() === '') continue;
      const parsed = parseCaptureLine(line);
      if ('rejected' in parsed) reject(parsed.rejected);
      else if (parsed.record.modelGroup !== where.modelGroup) reject('other model group');
      else {
        out.records += 1;
        onRecord(parsed.record);
      }
    }
  };
  let next = 0;
  const worker = async () => {
    while (next < keys.length) await read(keys[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(READS_IN_FLIGHT, keys.length) }, worker));
  return out;
};
