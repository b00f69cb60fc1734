'use strict';
/**
 * A local plugin: after `serverless deploy`, uploads the inference archives built from
 * `components.inference.source` to the stack's artifact bucket (upload-inference.ts), where
 * register-inference-component and the devices expect them. After the deploy, because the
 * bucket is the stack's own; an execution that reaches registration before the upload ends
 * waits (NotReady, retried) instead of failing. `serverless package` uploads nothing.
 */
const path = require('node:path');
const { register } = require('tsx/cjs/api');

class InferenceArtifacts {
  constructor(serverless, _options, { log } = {}) {
    this.hooks = {
      'after:deploy:deploy': async () => {
        const provider = serverless.getProvider('aws');
        const stage = provider.getStage();
        const unregister = register();
        try {
          const { loadStageConfig } = require('../../functions/shared/stage-config/load.ts');
          const { uploadInferenceArchives } = require('./upload-inference.ts');
          const { S3Client } = require('@aws-sdk/client-s3');
          const configFile = path.join(serverless.serviceDir, 'config', `${stage}.yml`);
          const config = loadStageConfig(configFile);
          const groups = Object.values(config.modelGroups);
          if (!groups.some((p) => p.components.inference.source)) return;
          const resources = await provider.getStackResources();
          const bucket = resources.find((r) => r.LogicalResourceId === 'ArtifactBucket');
          if (!bucket) throw new Error('the stack has no ArtifactBucket');
          const s3 = new S3Client(await provider.getAwsSdkV3Config());
          const lines = await uploadInferenceArchives({
            config,
            configFile,
            bucket: bucket.PhysicalResourceId,
            s3,
          });
          for (const line of lines) (log?.notice ?? console.log)(`Inference archive ${line}`);
        } finally {
          unregister();
        }
      },
    };
  }
}

module.exports = InferenceArtifacts;
