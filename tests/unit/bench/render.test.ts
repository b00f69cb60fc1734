import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { renderReport } from '../../../scripts/bench/render';

const DOCS = join(__dirname, '../../../docs');

describe('benchmark report', () => {
  it('docs/benchmarks.md is what the renderer makes of docs/benchmarks.json', () => {
    // Prepare
    const figures = JSON.parse(readFileSync(join(DOCS, 'benchmarks.json'), 'utf8'));
    // Act
    const markdown = renderReport(figures);
    // Assess
    expect(markdown).toBe(readFileSync(join(DOCS, 'benchmarks.md'), 'utf8'));
  });

  it('puts every figure beside its target and says by how much a missed one is missed', () => {
    // Prepare
    const figures = JSON.parse(readFileSync(join(DOCS, 'benchmarks.json'), 'utf8'));
    figures.functions[0].coldStartRatio = 2.6;
    // Act
    const markdown = renderReport(figures);
    // Assess
    expect(markdown).toContain(`| ${figures.functions[0].function} |`);
    expect(markdown).toMatch(/\| 2\.6 \| [\d.]+–[\d.]+ \| missed by 100 % \|/);
  });
});
