import {
  DescribeSecretCommand,
  GetSecretValueCommand,
  PutSecretValueCommand,
  ResourceNotFoundException,
  SecretsManagerClient,
  UpdateSecretVersionStageCommand,
} from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { rotateSigningKey } from '../../../functions/rotate-signing-key/rotate-signing-key';
import { approvalLink, sign } from '../../../functions/shared/approval/signing';
import {
  signingKeyReader,
  verificationKeysReader,
} from '../../../functions/shared/approval/signing-key';
import { verifyLink } from '../../../functions/shared/approval/verify-link';

const SECRET = 'arn:aws:secretsmanager:us-east-1:000000000000:secret:signing-AbCdEf';
const OLD = 'o'.repeat(64);
const NEW = 'n'.repeat(64);
const NEWER = 'w'.repeat(64);
const NOW = new Date('2026-11-25T12:00:00Z');
const claims = {
  approvalId: 'appr-1',
  approver: 'alice@example.com',
  expiresAt: NOW.getTime() / 1000 + 3600,
};
const notFound = () =>
  new ResourceNotFoundException({
    message: "Secrets Manager can't find the specified secret value for staging label: AWSPREVIOUS",
    $metadata: {},
  });
const queryOf = (link: string) => {
  const u = new URL(link);
  return {
    approvalId: decodeURIComponent(u.pathname.split('/').pop()!),
    approver: u.searchParams.get('approver') ?? undefined,
    exp: u.searchParams.get('exp') ?? undefined,
    sig: u.searchParams.get('sig') ?? undefined,
  };
};

const secrets = mockClient(SecretsManagerClient);
beforeEach(() => secrets.reset());

/** The secret as Secrets Manager holds it after a rotation from OLD to NEW. */
const rotated = (current = NEW, previous: string | undefined = OLD) => {
  secrets.on(GetSecretValueCommand, { VersionStage: 'AWSCURRENT' }).resolves({
    SecretString: current,
  });
  if (previous)
    secrets
      .on(GetSecretValueCommand, { VersionStage: 'AWSPREVIOUS' })
      .resolves({ SecretString: previous });
  else secrets.on(GetSecretValueCommand, { VersionStage: 'AWSPREVIOUS' }).rejects(notFound());
};

describe('approval links across a signing key rotation', () => {
  it('accepts a link signed with the previous key until it expires', async () => {
    // Prepare
    rotated();
    const link = approvalLink('https://a.example.com', OLD, claims);
    // Act
    const verdict = await verifyLink(
      verificationKeysReader(new SecretsManagerClient({}), SECRET),
      queryOf(link),
      NOW,
    );
    // Assess
    expect(verdict).toEqual({ ok: true, claims });
  });

  it('accepts a link signed with the current key', async () => {
    // Prepare
    rotated();
    const link = approvalLink('https://a.example.com', NEW, claims);
    // Act
    const verdict = await verifyLink(
      verificationKeysReader(new SecretsManagerClient({}), SECRET),
      queryOf(link),
      NOW,
    );
    // Assess
    expect(verdict.ok).toBe(true);
  });

  it('refuses a link signed with a key that is neither current nor previous', async () => {
    // Prepare: a forged link, or one that outlived two rotations
    rotated();
    const link = approvalLink('https://a.example.com', 'f'.repeat(64), claims);
    // Act
    const verdict = await verifyLink(
      verificationKeysReader(new SecretsManagerClient({}), SECRET),
      queryOf(link),
      NOW,
    );
    // Assess
    expect(verdict).toMatchObject({ ok: false, reason: 'bad-signature' });
  });

  it('refuses a link whose approver was changed, even though signed with the previous key', async () => {
    // Prepare
    rotated();
    const query = { ...queryOf(approvalLink('https://a.example.com', OLD, claims)) };
    // Act
    const verdict = await verifyLink(
      verificationKeysReader(new SecretsManagerClient({}), SECRET),
      { ...query, approver: 'mallory@example.com' },
      NOW,
    );
    // Assess
    expect(verdict).toMatchObject({ ok: false, reason: 'bad-signature' });
  });

  it('works with a secret never rotated (no AWSPREVIOUS version)', async () => {
    // Prepare
    rotated(OLD, undefined);
    const read = verificationKeysReader(new SecretsManagerClient({}), SECRET);
    // Act
    const keys = await read(NOW.getTime());
    // Assess
    expect(keys).toEqual([OLD]);
  });

  it('re-reads the keys once when a link carries a key rotated in after they were cached', async () => {
    // Prepare: the reader cached OLD → NEW, then a rotation made NEWER current
    rotated();
    const read = verificationKeysReader(new SecretsManagerClient({}), SECRET, {
      minRefreshMs: 0,
    });
    await read(NOW.getTime());
    secrets.reset();
    rotated(NEWER, NEW);
    const link = approvalLink('https://a.example.com', NEWER, claims);
    // Act
    const verdict = await verifyLink(read, queryOf(link), NOW);
    // Assess
    expect(verdict.ok).toBe(true);
  });

  it('does not let forged links drive a Secrets Manager call per request', async () => {
    // Prepare
    rotated();
    const read = verificationKeysReader(new SecretsManagerClient({}), SECRET);
    const forged = queryOf(approvalLink('https://a.example.com', 'f'.repeat(64), claims));
    // Act
    for (let i = 0; i < 20; i++) await verifyLink(read, forged, NOW);
    // Assess: one read of both labels, one refresh at most
    expect(secrets.commandCalls(GetSecretValueCommand).length).toBeLessThanOrEqual(4);
  });

  it('signs new links with the current key only', async () => {
    // Prepare
    rotated();
    // Act
    const key = await signingKeyReader(new SecretsManagerClient({}), SECRET)();
    // Assess
    expect(key).toBe(NEW);
    expect(sign(key, claims)).not.toBe(sign(OLD, claims));
  });
});

describe('rotate-signing-key (the Secrets Manager rotation function)', () => {
  const TOKEN = 'token-2';
  const event = (Step: 'createSecret' | 'setSecret' | 'testSecret' | 'finishSecret') => ({
    SecretId: SECRET,
    ClientRequestToken: TOKEN,
    Step,
  });
  const described = (pending: string[] = ['AWSPENDING']) =>
    secrets.on(DescribeSecretCommand).resolves({
      RotationEnabled: true,
      VersionIdsToStages: { 'token-1': ['AWSCURRENT'], [TOKEN]: pending },
    });

  it('createSecret puts a new random key as AWSPENDING of the rotation token', async () => {
    // Prepare
    described();
    secrets.on(GetSecretValueCommand, { VersionStage: 'AWSPENDING' }).rejects(notFound());
    // Act
    await rotateSigningKey(event('createSecret'), {
      secrets: new SecretsManagerClient({}),
    });
    // Assess
    const [put] = secrets.commandCalls(PutSecretValueCommand);
    expect(put!.args[0].input).toMatchObject({
      SecretId: SECRET,
      ClientRequestToken: TOKEN,
      VersionStages: ['AWSPENDING'],
    });
    expect(put!.args[0].input.SecretString).toMatch(/^[A-Za-z0-9_-]{64}$/);
  });

  it('createSecret is idempotent: a retried step keeps the pending key', async () => {
    // Prepare
    described();
    secrets.on(GetSecretValueCommand, { VersionStage: 'AWSPENDING' }).resolves({
      SecretString: NEW,
    });
    // Act
    await rotateSigningKey(event('createSecret'), { secrets: new SecretsManagerClient({}) });
    // Assess
    expect(secrets.commandCalls(PutSecretValueCommand)).toHaveLength(0);
  });

  it('testSecret refuses a pending key that is too short', async () => {
    // Prepare
    described();
    secrets.on(GetSecretValueCommand, { VersionStage: 'AWSPENDING' }).resolves({
      SecretString: 'short',
    });
    // Act
    const run = rotateSigningKey(event('testSecret'), { secrets: new SecretsManagerClient({}) });
    // Assess
    await expect(run).rejects.toThrow(/shorter than 32 characters/);
  });

  it('finishSecret moves AWSCURRENT to the new version (Secrets Manager keeps the old one as AWSPREVIOUS)', async () => {
    // Prepare
    described();
    // Act
    await rotateSigningKey(event('finishSecret'), { secrets: new SecretsManagerClient({}) });
    // Assess
    const [move] = secrets.commandCalls(UpdateSecretVersionStageCommand);
    expect(move!.args[0].input).toEqual({
      SecretId: SECRET,
      VersionStage: 'AWSCURRENT',
      MoveToVersionId: TOKEN,
      RemoveFromVersionId: 'token-1',
    });
  });

  it('does nothing for a version that is already current', async () => {
    // Prepare
    described(['AWSCURRENT', 'AWSPENDING']);
    // Act
    const result = await rotateSigningKey(event('finishSecret'), {
      secrets: new SecretsManagerClient({}),
    });
    // Assess
    expect(result.done).toBe('already current');
    expect(secrets.commandCalls(UpdateSecretVersionStageCommand)).toHaveLength(0);
  });

  it('refuses a secret without rotation enabled, naming it', async () => {
    // Prepare
    secrets.on(DescribeSecretCommand).resolves({ RotationEnabled: false });
    // Act
    const run = rotateSigningKey(event('createSecret'), { secrets: new SecretsManagerClient({}) });
    // Assess
    await expect(run).rejects.toThrow(`secret ${SECRET} is not enabled for rotation`);
  });
});
