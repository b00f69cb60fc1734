/**
 * SNS subscription filter policies on message attributes (FilterPolicyScope
 * MessageAttributes), as documented in the SNS developer guide, "Amazon SNS message
 * filtering" (https://docs.aws.amazon.com/sns/latest/dg/sns-subscription-filter-policies.html):
 * every key of the policy must match (AND); a key matches when the attribute equals one of
 * the listed values (OR). An attribute the message lacks never matches, except under
 * `{"exists": false}`. Supported operators: exact strings, `exists`, `prefix` and
 * `anything-but` (a list of strings); anything else is refused when the subscription is
 * provisioned, so local mode never pretends to filter what it does not model.
 */
export type FilterPolicy = Record<string, unknown[]>;

type Condition =
  | string
  | { exists: boolean }
  | { prefix: string }
  | { 'anything-but': string | string[] };

const isCondition = (value: unknown): value is Condition => {
  if (typeof value === 'string') return true;
  if (!value || typeof value !== 'object') return false;
  const [key, ...rest] = Object.keys(value);
  if (rest.length) return false;
  const v = (value as Record<string, unknown>)[key!];
  if (key === 'exists') return typeof v === 'boolean';
  if (key === 'prefix') return typeof v === 'string';
  if (key === 'anything-but')
    return typeof v === 'string' || (Array.isArray(v) && v.every((x) => typeof x === 'string'));
  return false;
};

/** Throws with the offending key when the policy uses something this emulator does not model. */
export const checkFilterPolicy = (policy: unknown): FilterPolicy => {
  if (!policy || typeof policy !== 'object' || Array.isArray(policy))
    throw new Error('FilterPolicy must be an object of attribute name → list of conditions');
  for (const [key, conditions] of Object.entries(policy)) {
    if (!Array.isArray(conditions) || conditions.length === 0 || !conditions.every(isCondition))
      throw new Error(
        `FilterPolicy.${key}: local mode models exact strings, exists, prefix and anything-but`,
      );
  }
  return policy as FilterPolicy;
};

const matchesOne = (condition: Condition, value: string | undefined): boolean => {
  if (typeof condition === 'string') return value === condition;
  if ('exists' in condition) return condition.exists === (value !== undefined);
  if (value === undefined) return false;
  if ('prefix' in condition) return value.startsWith(condition.prefix);
  const excluded = [condition['anything-but']].flat();
  return !excluded.includes(value);
};

export const matchesFilterPolicy = (
  policy: FilterPolicy | undefined,
  attributes: Record<string, string>,
): boolean =>
  !policy ||
  Object.entries(policy).every(([key, conditions]) =>
    (conditions as Condition[]).some((c) => matchesOne(c, attributes[key])),
  );
