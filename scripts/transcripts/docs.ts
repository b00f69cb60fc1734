import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { transcriptBlocks, withTranscripts } from './blocks';
import { ROOT } from './run';

/** The Markdown files a reader gets: README.md and docs/*.md. */
export const docFiles = (): string[] => [
  'README.md',
  ...readdirSync(join(ROOT, 'docs'))
    .filter((f) => f.endsWith('.md'))
    .sort()
    .map((f) => `docs/${f}`),
];

export const readDoc = (file: string) => readFileSync(join(ROOT, file), 'utf8');

/** Each doc with transcript blocks, its text with the blocks rewritten from `contents`. */
export const renderTranscriptDocs = (contents: Record<string, string>): Record<string, string> =>
  Object.fromEntries(
    docFiles()
      .filter((file) => transcriptBlocks(readDoc(file)).length > 0)
      .map((file) => [file, withTranscripts(readDoc(file), contents)]),
  );
