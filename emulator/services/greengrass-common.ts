import { AwsError } from '../http';
import type { World } from '../world';

/**
 * What every part of AWS IoT Greengrass v2 here shares: request shapes, component ARNs,
 * account ownership and clientToken idempotency.
 */
export type Body = Record<string, any>;
export type Query = URLSearchParams;
export type Params = Record<string, string>;

const CLIENT_TOKEN = /^[a-zA-Z0-9-]{1,64}$/;
const TOKEN_TTL_MS = 8 * 3600 * 1000;

export const componentArn = (world: World, name: string, version: string) =>
  `arn:aws:greengrass:${world.region}:${world.account}:components:${name}:versions:${version}`;

/** Components, deployments and targets belong to one account: another account's do not exist. */
export const ownedBy = (world: World, arn: string) => arn.split(':')[4] === world.account;

/** Same token → cached answer (if the request is the same); different request → refused. */
export const idempotent = async <T>(
  world: World,
  token: string | undefined,
  fingerprint: string,
  run: () => Promise<T>,
): Promise<T> => {
  if (token === undefined) return run();
  if (!CLIENT_TOKEN.test(token))
    throw new AwsError(
      'ValidationException',
      `clientToken ${token} must match ^[a-zA-Z0-9-]+$ and be at most 64 characters`,
    );
  // Tokens belong to the caller's account: the same token in another account is a new request.
  const key = `${world.account}:${token}`;
  const cached = world.clientTokens.get(key);
  if (cached && world.clock.now() - cached.at < TOKEN_TTL_MS) {
    if (cached.fingerprint !== fingerprint) {
      throw new AwsError(
        'ConflictException',
        `The client token ${token} was used with a different request`,
        409,
      );
    }
    return cached.response as T;
  }
  const response = await run();
  world.clientTokens.set(key, { at: world.clock.now(), fingerprint, response });
  return response;
};
