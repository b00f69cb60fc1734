import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { internal } from '../../emulator/backends';
import { PROJECT_ROOT } from '../../emulator/project-root';
import { metricSourcesOf } from '../../functions/shared/approval/model-metrics';

/**
 * What a training pipeline leaves beside a registered model: its evaluation report, which
 * the model package's ModelMetrics point to. Local mode keeps samples under events/s3/
 * (`events/s3/<bucket>/<key>`) and puts those the event names into the emulator's S3, so the
 * approval page shows real values; a report with no sample stays missing, and the page says so.
 */
export const REPORTS_DIR = join(PROJECT_ROOT, 'events', 's3');

export const seedEvaluationReports = async (
  endpoint: string,
  event: { detail: Record<string, unknown> },
): Promise<string[]> => {
  const s3 = internal(
    new S3Client({
      endpoint,
      region: 'us-east-1',
      forcePathStyle: true,
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    }),
  );
  const seeded: string[] = [];
  try {
    for (const { s3Uri } of metricSourcesOf(event.detail.ModelMetrics as object | undefined)) {
      const m = /^s3:\/\/([^/]+)\/(.+)$/.exec(s3Uri);
      const file = m ? join(REPORTS_DIR, m[1]!, m[2]!) : undefined;
      if (!m || !file || !existsSync(file)) continue;
      await s3.send(
        new PutObjectCommand({
          Bucket: m[1]!,
          Key: m[2]!,
          Body: readFileSync(file),
          ContentType: 'application/json',
        }),
      );
      seeded.push(s3Uri);
    }
  } finally {
    s3.destroy();
  }
  return seeded;
};
