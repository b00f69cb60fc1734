import { type Verdict, verify } from './signing';

type KeysReader = (now?: number, options?: { fresh?: boolean }) => Promise<readonly string[]>;

/**
 * Verifies a link against the current and previous signing keys. A signature that matches
 * neither is checked once more against freshly read keys, because the link may have been
 * signed with a key rotated in after this reader cached its pair.
 */
export const verifyLink = async (
  readKeys: KeysReader,
  input: Parameters<typeof verify>[1],
  now: Date,
): Promise<Verdict> => {
  const nowSeconds = Math.floor(now.getTime() / 1000);
  const verdict = verify(await readKeys(now.getTime()), input, nowSeconds);
  if (verdict.ok || verdict.reason !== 'bad-signature') return verdict;
  return verify(await readKeys(now.getTime(), { fresh: true }), input, nowSeconds);
};
