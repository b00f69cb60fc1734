import { requiredEnv } from '../env';
import { loadStageConfig } from './load';

/** The stage configuration named by `STAGE_CONFIG_FILE` (shipped in the Lambda package). */
export const stageConfigFromEnv = () => loadStageConfig(requiredEnv('STAGE_CONFIG_FILE'));
