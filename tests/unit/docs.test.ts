import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { mermaid, renderDocs } from '../../scripts/docs';

const ROOT = join(__dirname, '../..');

describe('generated documentation', () => {
  it.each(Object.entries(renderDocs()))(
    '%s matches its source of truth (run npm run docs after changing the ASL or the schema)',
    (file, expected) => {
      // Act
      const onDisk = readFileSync(join(ROOT, file), 'utf8');
      // Assess
      expect(onDisk).toBe(expected);
    },
  );

  it('draws every state and transition of a definition', () => {
    // Act
    const diagram = mermaid({
      StartAt: 'A',
      States: {
        A: { Type: 'Choice', Choices: [{ Next: 'B' }], Default: 'C' },
        B: { Type: 'Task', Next: 'C', Catch: [{ ErrorEquals: ['X'], Next: 'C' }] },
        C: { Type: 'Succeed' },
      },
    });
    // Assess
    expect(diagram.split('\n')).toEqual(
      expect.arrayContaining([
        '  [*] --> A',
        '  A --> B',
        '  A --> C: otherwise',
        '  B --> C',
        '  B --> C: X',
        '  C --> [*]',
      ]),
    );
  });
});
