/** What every measure of `npm run bench` shares: medians, rounding, progress on stderr. */
export const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length
    ? (s[Math.floor((s.length - 1) / 2)]! + s[Math.ceil((s.length - 1) / 2)]!) / 2
    : Number.NaN;
};

export const round = (x: number, d = 1) => Math.round(x * 10 ** d) / 10 ** d;

export const log = (line: string) => process.stderr.write(`bench: ${line}\n`);
