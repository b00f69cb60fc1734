import { readFileSync } from 'node:fs';
import { CliError } from '../sre/executions';

/** What simulate reads of an event (the emulator validates the rest when it is delivered). */
export type EventFile = { detail: Record<string, string | number | undefined> };

/** The event file, or a message naming the file and what is wrong with it. */
export const readEventFile = (file: string): EventFile => {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new CliError(`cannot read the event file ${file}: ${(error as Error).message}`);
  }
  let event: unknown;
  try {
    event = JSON.parse(text);
  } catch (error) {
    throw new CliError(`the event file ${file} is not valid JSON: ${(error as Error).message}`);
  }
  const problems = notAModelPackageEvent(event);
  if (problems.length)
    throw new CliError(
      `the event file ${file} is not a SageMaker Model Package State Change event: ${problems.join('; ')}`,
    );
  return event as EventFile;
};

/**
 * What keeps `event` from being one the rule could match and the registry be seeded from
 * (events/rule-pattern.json: source and detail-type, as EventBridge sets them for SageMaker;
 * the group it names). Anything else, a malformed field included, is start-pipeline's to
 * judge: such an event is delivered and ends in the dead-letter queue, as on AWS.
 */
const notAModelPackageEvent = (event: unknown): string[] => {
  if (typeof event !== 'object' || event === null || Array.isArray(event))
    return ['it is not a JSON object'];
  const e = event as Record<string, unknown>;
  const problems: string[] = [];
  const want = (field: string, value: string) => {
    if (e[field] !== value)
      problems.push(
        `${field} ${e[field] === undefined ? 'is missing' : `is ${JSON.stringify(e[field])}`} (want "${value}")`,
      );
  };
  want('source', 'aws.sagemaker');
  want('detail-type', 'SageMaker Model Package State Change');
  const detail = e.detail;
  if (typeof detail !== 'object' || detail === null || Array.isArray(detail))
    problems.push(detail === undefined ? 'detail is missing' : 'detail is not an object');
  else {
    const group = (detail as Record<string, unknown>).ModelPackageGroupName;
    if (typeof group !== 'string' || group === '')
      problems.push(
        `detail.ModelPackageGroupName ${group === undefined ? 'is missing' : 'is not a name'}`,
      );
  }
  return problems;
};
