import type { Credentials, Principals } from '../iam/principals';
import { tracingRefusals } from '../iam/provisioning';
import { functionRoles } from '../iam/roles';
import { LOCAL_ACCOUNT, LOCAL_REGION, LOCAL_STAGE } from '../local-stage';
import { functionName } from '../runtime/functions';
import type { ServiceDeclaration } from '../serverless-service';

/** A function's credentials as its worker's environment carries them. */
export type CredentialsEnv = {
  AWS_ACCESS_KEY_ID: string;
  AWS_SECRET_ACCESS_KEY: string;
  AWS_SESSION_TOKEN: string;
};

/**
 * Each function calls with its own execution role (see emulator/iam/): a session of that
 * role per function. Provisioning refuses what Lambda refuses at deploy time, so a role
 * that cannot do what the function's configuration needs stops the start.
 */
export const provisionIdentities = async (
  service: ServiceDeclaration,
  principals: Principals,
  resolve: (value: unknown) => unknown,
): Promise<Record<string, CredentialsEnv>> => {
  const roles = functionRoles(service, {
    account: LOCAL_ACCOUNT,
    region: LOCAL_REGION,
    stage: LOCAL_STAGE,
    resolve,
  });
  const refused = await tracingRefusals(roles, (key) => functionName(key));
  if (refused.length)
    throw new Error(`Provisioning the local stage failed:\n  ${refused.join('\n  ')}`);
  return Object.fromEntries(
    Object.entries(roles).map(([key, role]) => {
      const c = principals.issue(role, functionName(key));
      return [
        key,
        {
          AWS_ACCESS_KEY_ID: c.accessKeyId,
          AWS_SECRET_ACCESS_KEY: c.secretAccessKey,
          AWS_SESSION_TOKEN: c.sessionToken,
        },
      ];
    }),
  );
};

/** The credentials a function's worker runs with, as an SDK client takes them. */
export const credentialsOf = (env: Record<string, CredentialsEnv>, key: string): Credentials => {
  const found = env[key];
  if (!found) throw new Error(`serverless.yml declares no function ${key} with a role`);
  return {
    accessKeyId: found.AWS_ACCESS_KEY_ID,
    secretAccessKey: found.AWS_SECRET_ACCESS_KEY,
    sessionToken: found.AWS_SESSION_TOKEN,
  };
};
