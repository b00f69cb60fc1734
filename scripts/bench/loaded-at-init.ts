import type { Metafile } from 'esbuild';

/**
 * What a bundle evaluates at Init: the inputs its entry point reaches through static imports
 * and requires (esbuild's metafile lists each input's imports with their kind). A module
 * reached only through a dynamic `import()` is in the bundle but runs on its first use.
 */
export const inputsLoadedAtInit = (metafile: Metafile, entryPoint: string): string[] => {
  const reached = new Set<string>();
  const visit = (path: string) => {
    const input = metafile.inputs[path];
    if (reached.has(path) || !input) return;
    reached.add(path);
    for (const edge of input.imports) if (edge.kind !== 'dynamic-import') visit(edge.path);
  };
  visit(entryPoint);
  return [...reached];
};
