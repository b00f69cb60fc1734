import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  HeadObjectCommand,
  PutObjectCommand,
  S3Client,
  S3ServiceException,
} from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { buildInferenceArchive } from '../../../functions/shared/stage-config/inference-source';
import { loadStageConfig } from '../../../functions/shared/stage-config/load';
import { uploadInferenceArchives } from '../../../scripts/serverless/upload-inference';

/**
 * The upload after `serverless deploy` (scripts/serverless/inference-artifacts.cjs): the
 * archive packaging resolved, at its content-addressed key, checked by S3 on the way in,
 * never twice, and never other bytes than the ones the resolved configuration names.
 */
const ROOT = join(__dirname, '../../..');
const s3 = mockClient(S3Client);
let root: string;
let configFile: string;
beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'edge-mlops-upload-'));
  writeFileSync(join(root, 'serverless.yml'), 'service: x\n');
  cpSync(join(ROOT, 'components/inference'), join(root, 'components/inference'), {
    recursive: true,
  });
  mkdirSync(join(root, 'config'));
  configFile = join(root, 'config/local.yml');
  writeFileSync(
    configFile,
    readFileSync(join(ROOT, 'config/local.yml'), 'utf8')
      .replace(
        'artifactUri: s3://edge-mlops-local-code/defect-detector/inference-1.4.0.zip',
        'source: components/inference',
      )
      .replace('inference-1.4.0/serve.py', 'inference/serve.py'),
  );
});
afterAll(() => rmSync(root, { recursive: true, force: true }));
beforeEach(() => s3.reset());

const notFound = () =>
  new S3ServiceException({
    name: 'NotFound',
    $fault: 'client',
    $metadata: { httpStatusCode: 404 },
  });

describe('uploading the inference archives after a deploy', () => {
  it('puts the archive at its content-addressed key with its SHA-256 for S3 to check', async () => {
    // Prepare
    const config = loadStageConfig(configFile);
    const archive = buildInferenceArchive(join(root, 'components/inference'));
    s3.on(HeadObjectCommand).rejects(notFound());
    s3.on(PutObjectCommand).resolves({});
    // Act
    const lines = await uploadInferenceArchives({
      config,
      configFile,
      bucket: 'stack-artifacts',
      s3: new S3Client({ region: 'us-east-1' }),
    });
    // Assess
    const Key = `local/defect-detector/inference/1.4.0/${archive.sha256.slice(0, 12)}/inference.zip`;
    const put = s3.commandCalls(PutObjectCommand)[0]!.args[0].input;
    expect(put).toMatchObject({
      Bucket: 'stack-artifacts',
      Key,
      ContentType: 'application/zip',
      ChecksumSHA256: Buffer.from(archive.sha256, 'hex').toString('base64'),
    });
    expect(Buffer.from(put.Body as Uint8Array).equals(Buffer.from(archive.zip))).toBe(true);
    expect(lines).toEqual([
      `defect-detector: components/inference → s3://stack-artifacts/${Key} (uploaded)`,
    ]);
  });

  it('leaves an archive already there as it is (the key names its content)', async () => {
    // Prepare
    const config = loadStageConfig(configFile);
    s3.on(HeadObjectCommand).resolves({});
    // Act
    const lines = await uploadInferenceArchives({
      config,
      configFile,
      bucket: 'stack-artifacts',
      s3: new S3Client({ region: 'us-east-1' }),
    });
    // Assess
    expect(s3).not.toHaveReceivedCommand(PutObjectCommand);
    expect(lines[0]).toMatch(/\(already there\)$/);
  });

  it('refuses a folder edited after packaging, uploading nothing', async () => {
    // Prepare: packaged, then edited.
    const config = loadStageConfig(configFile);
    const serve = join(root, 'components/inference/serve.py');
    const original = readFileSync(serve, 'utf8');
    writeFileSync(serve, `${original}# edited\n`);
    s3.on(HeadObjectCommand).rejects(notFound());
    try {
      // Act & Assess
      await expect(
        uploadInferenceArchives({
          config,
          configFile,
          bucket: 'stack-artifacts',
          s3: new S3Client({ region: 'us-east-1' }),
        }),
      ).rejects.toThrow(/components\/inference changed since .* was packaged .*: deploy again/);
      expect(s3).not.toHaveReceivedCommand(PutObjectCommand);
    } finally {
      writeFileSync(serve, original);
    }
  });
});
