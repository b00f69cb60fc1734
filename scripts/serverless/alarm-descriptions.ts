import { ERROR_TAXONOMY, type ErrorEntry } from '../../functions/shared/error-taxonomy';

/**
 * The descriptions of the alarms about errors (serverless.yml, `custom.stage.alarm…`): what
 * happened and what to do, in the words of the error taxonomy, so the SRE reads in the alarm
 * what `edge-mlops executions explain` and the failure notification say.
 */
const entries = Object.entries(ERROR_TAXONOMY) as [string, ErrorEntry][];
const namesOf = (test: (e: ErrorEntry) => boolean) =>
  entries
    .filter(([, e]) => test(e))
    .map(([name]) => name)
    .join(', ');

const sentence = (text: string) => `${text[0]!.toUpperCase()}${text.slice(1)}`;

export const alarmDescriptions = (stage: string) => {
  const list = `edge-mlops executions list --status FAILED --since 24h --stage ${stage}`;
  const aborted = ERROR_TAXONOMY.RolloutAborted;
  return {
    alarmExecutionsFailed: `edge-mlops ${stage}: an execution failed. Run: ${list}, then edge-mlops executions explain <name>. It names the error and what to do: reject the version for a model fault (${namesOf((e) => e.kind === 'model-fault')}), fix the configuration and replay for an operator fault (${namesOf((e) => e.kind === 'operator-fault' && e.raisedBy === 'task')}), redrive after a transient one (${namesOf((e) => e.kind === 'transient')})`,
    alarmRolloutAborted: `edge-mlops ${stage}: RolloutAborted, ${aborted.meaning}. ${sentence(aborted.advice)}. Run: ${list}, then edge-mlops executions explain <name>`,
    alarmDeadLetters: `edge-mlops ${stage}: events wait in the dead-letter queue. Run: edge-mlops dlq list --stage ${stage}. ${entries
      .filter(([, e]) => e.raisedBy === 'ingest')
      .map(([name, e]) => `${name}: ${sentence(e.advice)}`)
      .join('. ')}`,
    alarmRollbackFailed: `edge-mlops ${stage}: the rollback of a rejected release failed; its fleets may still run the rejected version. Run: edge-mlops executions explain <execution ARN from the failure notification>`,
  };
};
