/**
 * EventBridge event patterns, the subset rules use: arrays of literal values, nested
 * objects, and the `prefix`, `anything-but`, `exists` and `numeric` filters.
 */
type Pattern = Record<string, unknown>;

const matchValue = (value: unknown, rule: unknown): boolean => {
  if (rule === null || typeof rule !== 'object') return value === rule;
  const r = rule as Record<string, unknown>;
  if ('prefix' in r) return typeof value === 'string' && value.startsWith(String(r.prefix));
  if ('exists' in r) return (value !== undefined) === Boolean(r.exists);
  if ('anything-but' in r) {
    const but = r['anything-but'];
    return value !== undefined && !(Array.isArray(but) ? but : [but]).includes(value as never);
  }
  if ('numeric' in r) {
    const ops = r.numeric as (string | number)[];
    if (typeof value !== 'number') return false;
    for (let i = 0; i < ops.length; i += 2) {
      const [op, n] = [ops[i], Number(ops[i + 1])];
      const ok =
        op === '='
          ? value === n
          : op === '<'
            ? value < n
            : op === '<='
              ? value <= n
              : op === '>'
                ? value > n
                : value >= n;
      if (!ok) return false;
    }
    return true;
  }
  return false;
};

export const matchesPattern = (event: unknown, pattern: Pattern): boolean => {
  if (typeof event !== 'object' || event === null) return false;
  const e = event as Record<string, unknown>;
  return Object.entries(pattern).every(([key, rule]) => {
    const value = e[key];
    if (Array.isArray(rule)) {
      const values = Array.isArray(value) ? value : [value];
      return rule.some((r) => values.some((v) => matchValue(v, r)));
    }
    if (rule && typeof rule === 'object') return matchesPattern(value, rule as Pattern);
    return false;
  });
};
