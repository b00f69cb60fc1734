import { randomBytes } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Role } from './roles';

/**
 * Who is calling. Every request is SigV4-signed with an access key id; the emulator issues
 * temporary credentials (ASIA…, with a session token, as Lambda and STS do) to each function
 * for its execution role, and to each sts:AssumeRole caller for the assumed role. A request
 * signed with any other key comes from the operator: the SRE CLI, `edge-mlops simulate`
 * and tests, who act as an administrator of the pipeline account (not evaluated), or of
 * account <n> with the key `local-<n>`.
 */
export type Credentials = { accessKeyId: string; secretAccessKey: string; sessionToken: string };

export type Session = {
  kind: 'role';
  /** arn:aws:sts::<account>:assumed-role/<role>/<session>, as AWS names the caller. */
  arn: string;
  role: Role;
  account: string;
  expiresAt?: number;
};
export type Operator = { kind: 'operator'; arn: string; account: string };
export type Caller = Session | Operator;

const EMULATOR_KEY = /^ASIA[A-Z0-9]{16}$/;

export class Principals {
  private readonly sessions = new Map<string, Session>();

  constructor(
    private readonly pipelineAccount: string,
    private readonly now: () => number = Date.now,
  ) {}

  /** Issues credentials for a session of `role` named `sessionName`. */
  issue(role: Role, sessionName: string, expiresAt?: number): Credentials {
    const accessKeyId = `ASIA${randomBytes(10).toString('hex').toUpperCase().slice(0, 16)}`;
    this.sessions.set(accessKeyId, {
      kind: 'role',
      arn: `arn:aws:sts::${role.account}:assumed-role/${role.name}/${sessionName}`,
      role,
      account: role.account,
      expiresAt,
    });
    return {
      accessKeyId,
      secretAccessKey: randomBytes(20).toString('base64'),
      sessionToken: randomBytes(48).toString('base64'),
    };
  }

  /**
   * The caller of a signed request, or an error text for keys the emulator issued but no
   * longer knows (expired), as STS-issued credentials stop working when they expire.
   */
  callerOf(req: IncomingMessage): Caller | { invalid: string } {
    const key =
      /Credential=([^/]+)\//.exec(req.headers.authorization ?? '')?.[1] ??
      new URL(req.url ?? '/', 'http://x').searchParams.get('X-Amz-Credential')?.split('/')[0];
    if (key && EMULATOR_KEY.test(key)) {
      const session = this.sessions.get(key);
      if (!session) return { invalid: 'The security token included in the request is invalid.' };
      if (session.expiresAt !== undefined && this.now() >= session.expiresAt)
        return { invalid: 'The security token included in the request is expired' };
      return session;
    }
    // `local-<account>` is an administrator of that account (the twin's or a fleet's
    // operator, e.g. to look at its devices); any other key, of the pipeline account.
    const account = /^local-(\d{12})$/.exec(key ?? '')?.[1] ?? this.pipelineAccount;
    return {
      kind: 'operator',
      arn: `arn:aws:iam::${account}:user/edge-mlops-operator`,
      account,
    };
  }
}
