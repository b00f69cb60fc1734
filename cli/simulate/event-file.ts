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
  try {
    return JSON.parse(text) as EventFile;
  } catch (error) {
    throw new CliError(`the event file ${file} is not valid JSON: ${(error as Error).message}`);
  }
};
