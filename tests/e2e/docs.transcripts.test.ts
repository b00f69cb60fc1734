import { transcriptBlocks } from '../../scripts/transcripts/blocks';
import { docFiles, readDoc } from '../../scripts/transcripts/docs';
import { comparable } from '../../scripts/transcripts/normalise';
import { generateTranscripts } from '../../scripts/transcripts/scenarios';

/**
 * The transcripts in README.md and docs/ are what the current code prints: `npm run docs`
 * reruns every command (scripts/transcripts/scenarios.ts) on the emulator; here the same runs
 * go to memory and each marked block of the docs must match its run, up to what changes from
 * run to run (scripts/transcripts/normalise.ts). On a difference, run `npm run docs`.
 */
describe('transcripts in the docs', () => {
  it('match what the commands print now', async () => {
    // Act
    const generated = await generateTranscripts();
    // Assess
    const blocks = docFiles().flatMap((file) =>
      transcriptBlocks(readDoc(file)).map((b) => ({ ...b, file })),
    );
    expect(blocks.map((b) => b.id).sort()).toEqual(Object.keys(generated).sort());
    const inDocs = Object.fromEntries(
      blocks.map((b) => [`${b.file}:${b.line} ${b.id}`, comparable(b.content)]),
    );
    const fromRuns = Object.fromEntries(
      blocks.map((b) => [`${b.file}:${b.line} ${b.id}`, comparable(generated[b.id]!)]),
    );
    expect(inDocs).toEqual(fromRuns);
  }, 600_000);
});
