/**
 * Numeric option values. A blank value is refused, not read as 0 (`Number('')` is 0, so
 * `--drift ''` used to run as `--drift 0`). main.ts turns the errors into commander's.
 */
const numberOf = (value: string) => (value.trim() === '' ? Number.NaN : Number(value));

export const rate = (value: string) => {
  const n = numberOf(value);
  if (!Number.isFinite(n) || n < 0 || n > 1) throw new Error('must be a number from 0 to 1');
  return n;
};
export const count = (value: string) => {
  const n = numberOf(value);
  if (!Number.isInteger(n) || n < 0) throw new Error('must be a whole number ≥ 0');
  return n;
};
export const positive = (value: string) => {
  const n = numberOf(value);
  if (!Number.isFinite(n) || n <= 0) throw new Error('must be a number > 0');
  return n;
};
