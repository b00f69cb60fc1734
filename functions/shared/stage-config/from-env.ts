import { requiredEnv } from '../env';
import { readResolvedStageConfig } from './resolved';

/**
 * The stage configuration named by `STAGE_CONFIG_FILE` (shipped in the Lambda package), read
 * from the JSON that packaging resolved it into (see resolved.ts): no YAML parser or schema
 * in a Lambda.
 */
export const stageConfigFromEnv = () => readResolvedStageConfig(requiredEnv('STAGE_CONFIG_FILE'));
