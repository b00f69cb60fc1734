import { GetObjectCommand, ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import {
  type CaptureRecord,
  captureHourPrefix,
  parseCaptureLine,
} from '../shared/capture-contract';
import { classifyAwsError } from '../shared/errors';

export type CaptureWindow = {
  objects: number;
  records: CaptureRecord[];
  /** Lines that are not capture records, by reason ("not JSON", "missing prediction" …). */
  rejected: Record<string, number>;
};

const HOUR_MS = 3_600_000;

/**
 * Reads every capture batch of a model group written in the window's UTC hours. A bad line
 * is counted and skipped; an object that cannot be read fails the run (transient: the
 * schedule comes back, and the window is only recorded once it was read whole).
 * ListObjectsV2 returns at most 1,000 keys per page (S3 API reference, ListObjectsV2).
 */
export const readCaptureWindow = async (
  s3: S3Client,
  where: { bucket: string; prefix: string; modelGroup: string },
  window: { startMs: number; endMs: number },
): Promise<CaptureWindow> => {
  const out: CaptureWindow = { objects: 0, records: [], rejected: {} };
  const reject = (reason: string) => {
    out.rejected[reason] = (out.rejected[reason] ?? 0) + 1;
  };
  for (let hour = window.startMs; hour < window.endMs; hour += HOUR_MS) {
    const Prefix = captureHourPrefix(where.prefix, where.modelGroup, hour);
    let ContinuationToken: string | undefined;
    do {
      const page = await s3
        .send(new ListObjectsV2Command({ Bucket: where.bucket, Prefix, ContinuationToken }))
        .catch((error) => {
          throw classifyAwsError(error, `ListObjectsV2 s3://${where.bucket}/${Prefix}`);
        });
      for (const { Key } of page.Contents ?? []) {
        if (!Key?.endsWith('.jsonl')) continue;
        const text = await s3
          .send(new GetObjectCommand({ Bucket: where.bucket, Key }))
          .then((o) => o.Body?.transformToString('utf8') ?? '')
          .catch((error) => {
            throw classifyAwsError(error, `GetObject s3://${where.bucket}/${Key}`);
          });
        out.objects += 1;
        for (const line of text.split('\n')) {
          if (line.trim() === '') continue;
          const parsed = parseCaptureLine(line);
          if ('rejected' in parsed) reject(parsed.rejected);
          else if (parsed.record.modelGroup !== where.modelGroup) reject('other model group');
          else out.records.push(parsed.record);
        }
      }
      ContinuationToken = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (ContinuationToken);
  }
  return out;
};
