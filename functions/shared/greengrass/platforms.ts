/**
 * Greengrass recipe manifest platforms, and which one a core device picks.
 *
 * "If a core device matches multiple manifests' platform requirements, AWS IoT Greengrass
 * uses the first manifest that the core device matches. To ensure that core devices use the
 * correct manifest, define the manifests with stricter platform requirements first."
 * Each value is an exact value, `*` ("matches any value. This also matches when a value
 * isn't present"), or a Java-style regular expression between slashes (Greengrass V2
 * developer guide, component recipe reference, `Manifests` / `Platform`).
 */
export type Platform = Readonly<Record<string, string>>;

const isWildcard = (value: string) => value === '*';
const isPattern = (value: string) =>
  value.length >= 2 && value.startsWith('/') && value.endsWith('/');

/** How much a platform narrows the devices it matches: exact values most, wildcards not at all. */
export const specificity = (platform: Platform): number =>
  Object.values(platform).reduce((sum, v) => sum + (isWildcard(v) ? 0 : isPattern(v) ? 1 : 2), 0);

const patternMatches = (pattern: string, value: string) => {
  try {
    return new RegExp(`^(?:${pattern.slice(1, -1)})$`).test(value);
  } catch {
    return false;
  }
};

/**
 * Whether every device that `later` matches also matches `earlier` (so a manifest for
 * `later` placed after one for `earlier` is never used). Only provable cases count: a
 * pattern against a pattern is assumed not to cover.
 */
export const covers = (earlier: Platform, later: Platform): boolean =>
  Object.entries(earlier).every(([key, want]) => {
    if (isWildcard(want)) return true;
    const have = later[key];
    if (have === undefined || isWildcard(have) || isPattern(have)) return false;
    return isPattern(want) ? patternMatches(want, have) : want === have;
  });

/** Most specific first; equal ones keep their order (a stable sort). */
export const mostSpecificFirst = <T>(items: readonly T[], platformOf: (item: T) => Platform): T[] =>
  [...items].sort((a, b) => specificity(platformOf(b)) - specificity(platformOf(a)));

/**
 * In manifest order (most specific first), the first pair where an earlier platform
 * covers a later one: the later manifest would never be chosen.
 */
export const hiddenPlatform = <T>(
  items: readonly T[],
  platformOf: (item: T) => Platform,
): { hidden: T; by: T } | undefined => {
  const ordered = mostSpecificFirst(items, platformOf);
  for (let j = 1; j < ordered.length; j++) {
    for (let i = 0; i < j; i++) {
      if (covers(platformOf(ordered[i]!), platformOf(ordered[j]!)))
        return { hidden: ordered[j]!, by: ordered[i]! };
    }
  }
  return undefined;
};
