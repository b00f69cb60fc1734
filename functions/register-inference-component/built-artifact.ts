import { createHash } from 'node:crypto';
import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import {
  ComponentRegistrationFailed,
  classifyAwsError,
  isAwsError,
  NotReady,
} from '../shared/errors';
import type { PlanInference } from '../shared/plan';

const split = (uri: string) => {
  const [, Bucket, Key] = /^s3:\/\/([^/]+)\/(.+)$/.exec(uri) ?? [];
  return { Bucket: Bucket!, Key: Key! };
};

/**
 * Checks that the archive built from `components.inference.source` is in the artifact bucket
 * with the bytes the resolved configuration names, before Greengrass is asked to register it.
 * Greengrass would refuse a missing artifact itself ("Specified artifact resource cannot be
 * accessed"), but as a permanent ValidationException; a missing archive here most likely means
 * the upload after `serverless deploy` has not finished, so it is `NotReady` (retried). Other
 * bytes under the content-addressed key can only mean tampering or a broken upload: permanent.
 * An artifact given as `artifactUri` is the operator's and is not checked here.
 */
export const checkBuiltArtifact = async (inference: PlanInference, s3: S3Client): Promise<void> => {
  const expected = inference.artifactSha256;
  if (!expected) return;
  const uri = inference.artifactUri;
  let body: Uint8Array;
  try {
    const object = await s3.send(new GetObjectCommand(split(uri)));
    body = (await object.Body?.transformToByteArray()) ?? new Uint8Array();
  } catch (error) {
    if (isAwsError(error, 'NoSuchKey', 'NotFound'))
      throw new NotReady(
        `inference archive ${uri} (built from ${inference.source}) is not in the artifact bucket yet: serverless deploy uploads it once the stack is updated (local mode at start); deploy the stage again if it never arrives`,
      );
    throw classifyAwsError(error, 'GetObject');
  }
  const actual = createHash('sha256').update(body).digest('hex');
  if (actual !== expected)
    throw new ComponentRegistrationFailed(
      `inference archive ${uri} has sha256 ${actual}, but the resolved configuration built ${inference.source} as sha256 ${expected}; deploy the stage again to upload the right archive`,
    );
};
