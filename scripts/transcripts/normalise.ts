/**
 * What a transcript check compares: the words, states, names and errors a command prints, not
 * what changes from run to run. Times come from the emulator's virtual clock, which runs 300 to
 * 1,000 times faster than real time, so a few real milliseconds of scheduling move timestamps,
 * durations, how often a poll loop went round (and with it the transition and call counts) and
 * the snapshot of a rollout in flight, and how many functions were loaded ahead; ports, approval ids, link signatures, message ids and
 * log file names are new in every run. Those are masked; everything else must match.
 */
const MASKS: [RegExp, string][] = [
  [/\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z/g, '<time>'],
  [/\d{8}T\d{6}/g, '<time>'],
  [/\(\w{3} \d{1,2}, \d{4}, \d{1,2}:\d\d [AP]M [^)]*\)/g, '(<local time>)'],
  [/127\.0\.0\.1:\d+/g, '127.0.0.1:<port>'],
  [/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g, '<uuid>'],
  [/\b[0-9a-f]{24}\b/g, '<approval>'],
  [/exp=\d+&sig=[\w-]+/g, 'exp=<exp>&sig=<sig>'],
  [/simulate-<time>-\d+-[0-9a-f]+\.log/g, 'simulate-<run>.log'],
  [/Wall time: [\d.]+ s/g, 'Wall time: <s> s'],
  [/, \d+ transitions\)/g, ', <n> transitions)'],
  [/AWS calls: \d+/g, 'AWS calls: <n>'],
  // Polls and functions loaded ahead of their call vary with the machine's load.
  [/Function invocations: \d+ \(\d+ cold starts\)/g, 'Function invocations: <n> (<n> cold starts)'],
  [/\(\d+ answered with injected faults\)/g, '(<n> answered with injected faults)'],
  // A rollback's name ends in a hash of the registry's event, whose id is new each time.
  [/\b(rollback-[\w-]+-v\d+)-[0-9a-f]{8}\b/g, '$1-<hash>'],
  [/^(\s+)\d+(\s+[a-z0-9]+\.[\w ]+)$/gm, '$1<n>$2'],
  // Durations in tables (`48m`, `1h2m`, `3d4h`) and in words.
  [/\b(\d+[dhms])+\b/g, '<duration>'],
  [/\b\d+ (h|min|s)\b/g, '<duration>'],
  // A wave's job counters when it was aborted or checked, and its bar in flight.
  [/counts \{[^}]*\}/g, 'counts {<counts>}'],
  [
    /\[[█✗▒·]+\] \d+\/\d+ succeeded, \d+ failed, \d+ in progress, \d+ queued\/offline/g,
    '[<bar>] <counts>',
  ],
];

/** Consecutive repetitions of the same run of up to `longest` lines, kept once. */
const collapseRepeats = (lines: string[], longest = 4): string[] => {
  const out = [...lines];
  for (let i = 0; i < out.length; i++) {
    for (let k = 1; k <= longest; k++) {
      const same = (a: number, b: number) =>
        Array.from({ length: k }, (_, d) => out[a + d] === out[b + d]).every(Boolean);
      while (i + 2 * k <= out.length && same(i, i + k)) out.splice(i + k, k);
    }
  }
  return out;
};

/** Lines of a counted list (`  <n>  service.Operation`) sorted, as their order follows counts. */
const sortCountedLists = (lines: string[]): string[] => {
  const out: string[] = [];
  let run: string[] = [];
  const flush = () => {
    out.push(...run.sort());
    run = [];
  };
  for (const line of lines) {
    if (/^\s+<n>\s/.test(line)) run.push(line);
    else {
      flush();
      out.push(line);
    }
  }
  flush();
  return out;
};

/** Printed only when the function bundles are not cached yet (a fresh clone's first run). */
const FIRST_RUN_ONLY = /^building \d+ function bundles with esbuild .*\n?/gm;

/** The transcript as a check compares it (see above); column padding is ignored too. */
export const comparable = (text: string): string => {
  let masked = text.replace(FIRST_RUN_ONLY, '');
  for (const [pattern, replacement] of MASKS) masked = masked.replace(pattern, replacement);
  const lines = masked.split('\n').map((l) => l.replace(/ {2,}/g, '  ').trimEnd());
  return sortCountedLists(collapseRepeats(lines)).join('\n');
};
