import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { StageConfig } from '../../functions/shared/stage-config/schema';
import { AwsError, escapeXml } from '../http';
import { PROJECT_ROOT } from '../project-root';
import { parseCloudFormation } from '../serverless-service';
import { deniedMessage } from './denial';
import { authorize } from './evaluate';
import type { Caller, Principals } from './principals';
import type { Role, Statement } from './roles';

/**
 * sts:AssumeRole and sts:GetCallerIdentity. The roles edge-mlops assumes are those the stage
 * config names (twin.roleArn, fleets[].roleArn), each as docs/cross-account-role.yml creates it
 * in its account (PipelineAccountId = the pipeline account, Stage = the stage): its trust policy
 * and its permissions. AssumeRole needs both the caller's identity policy and the role's trust
 * policy to allow it (IAM User Guide, "Cross account resource access in IAM"; evaluated by
 * iam-simulate), and its credentials act in the role's account with the role's policy until
 * they expire (DurationSeconds, default 3600; STS API reference, AssumeRole).
 */
const TEMPLATE = join(PROJECT_ROOT, 'docs/cross-account-role.yml');

/**
 * Resolves the template's !Sub, !Ref, !Join and !Split for one account (a CommaDelimitedList
 * parameter is a list, as CloudFormation passes it).
 */
const resolver =
  (values: Record<string, string | string[]>) =>
  (value: unknown): unknown => {
    const resolve = resolver(values);
    const sub = (text: string) =>
      text.replace(/\$\{([A-Za-z0-9:]+)\}/g, (m, name: string) => String(values[name] ?? m));
    if (typeof value === 'string') return value;
    if (Array.isArray(value)) return value.map(resolve);
    if (value && typeof value === 'object') {
      const o = value as Record<string, unknown>;
      if ('Fn::Sub' in o) return sub(String(o['Fn::Sub']));
      if ('Ref' in o) return values[String(o.Ref)] ?? o.Ref;
      if ('Fn::Join' in o) {
        const [delimiter, parts] = o['Fn::Join'] as [string, unknown];
        return ([resolve(parts)].flat(2) as string[]).join(delimiter);
      }
      if ('Fn::Split' in o) {
        const [delimiter, text] = o['Fn::Split'] as [string, unknown];
        return String(resolve(text)).split(delimiter);
      }
      return Object.fromEntries(Object.entries(o).map(([k, v]) => [k, resolve(v)]));
    }
    return value;
  };

export const configuredRoles = (
  config: StageConfig,
  pipelineAccount: string,
  stage: string,
): Map<string, Role> => {
  const template = parseCloudFormation(readFileSync(TEMPLATE, 'utf8')) as any;
  // Plain data: the YAML tags may leave parser nodes where !Split and !Join take lists.
  const declared = JSON.parse(JSON.stringify(template.Resources.DeployerRole.Properties));
  const arns = new Set<string>();
  const components: string[] = [];
  // ThingGroupArns as the operator would pass it: the thing groups each role deploys to.
  const groups = new Map<string, Set<string>>();
  const target = (roleArn: string | undefined, targetArn: string) => {
    if (!roleArn) return;
    arns.add(roleArn);
    if (!groups.has(roleArn)) groups.set(roleArn, new Set());
    if (targetArn.includes(':thinggroup/')) groups.get(roleArn)!.add(targetArn);
  };
  for (const profile of Object.values(config.modelGroups)) {
    target(profile.twin.roleArn, profile.twin.targetArn);
    for (const fleet of profile.fleets)
      for (const wave of fleet.waves) target(fleet.roleArn, wave.targetArn);
    components.push(profile.components.model.name, profile.components.inference.name);
  }
  // ComponentNamePrefix as the operator would pass it: the configured names' common prefix.
  const componentNamePrefix = components.reduce((prefix, name) => {
    let i = 0;
    while (i < prefix.length && prefix[i] === name[i]) i++;
    return prefix.slice(0, i);
  });
  const roles = new Map<string, Role>();
  for (const arn of arns) {
    const [, , , , account, resource] = arn.split(':') as string[];
    const resolve = resolver({
      PipelineAccountId: pipelineAccount,
      Stage: stage,
      'AWS::Partition': 'aws',
      'AWS::AccountId': account!,
      'AWS::Region': 'us-east-1',
      ComponentNamePrefix: componentNamePrefix,
      ThingGroupArns: [...(groups.get(arn) ?? [])],
      // The emulator does not check artifact reads with the caller's rights (yet).
      ArtifactObjectArns: ['arn:aws:s3:::*/*'],
    });
    const policies = resolve(declared.Policies ?? []) as {
      PolicyDocument: { Statement: Statement[] };
    }[];
    roles.set(arn, {
      name: resource!.slice('role/'.length).split('/').pop()!,
      arn,
      account: account!,
      statements: policies.flatMap((p) => p.PolicyDocument.Statement),
      trust: (resolve(declared.AssumeRolePolicyDocument) as { Statement: Statement[] }).Statement,
    });
  }
  return roles;
};

export type StsResult = { xml: string } | { denied: string };

const iso = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

export const sts = (principals: Principals, roles: Map<string, Role>, now: () => number) => ({
  AssumeRole: async (caller: Caller, form: URLSearchParams): Promise<StsResult> => {
    const roleArn = form.get('RoleArn') ?? '';
    const session = form.get('RoleSessionName') ?? '';
    if (!/^[\w+=,.@-]{2,64}$/.test(session))
      throw new AwsError(
        'ValidationError',
        `1 validation error detected: Value '${session}' at 'roleSessionName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]*`,
      );
    const duration = Number(form.get('DurationSeconds') ?? 3600);
    if (!Number.isInteger(duration) || duration < 900 || duration > 43_200)
      throw new AwsError(
        'ValidationError',
        `1 validation error detected: Value '${duration}' at 'durationSeconds' failed to satisfy constraint: Member must have value between 900 and 43200`,
      );
    const role = roles.get(roleArn);
    const check = { action: 'sts:AssumeRole', resource: roleArn };
    const principalArn = caller.kind === 'role' ? caller.role.arn : caller.arn;
    // A role the emulator does not know behaves as one whose trust policy trusts nobody.
    const decision = await authorize(
      {
        principal: caller.arn,
        principalArn,
        principalAccount: caller.account,
        // The operator is an administrator of its account: only the trust policy decides.
        statements:
          caller.kind === 'role'
            ? caller.role.statements
            : [{ Effect: 'Allow', Action: 'sts:AssumeRole', Resource: '*' }],
        resourceAccount: role?.account ?? roleArn.split(':')[4] ?? caller.account,
        resourcePolicy: role?.trust ?? [],
      },
      [check],
    );
    if (!role || !decision.allowed)
      return {
        denied: deniedMessage(
          caller.arn,
          check,
          decision.allowed
            ? 'because no resource-based policy allows the sts:AssumeRole action'
            : decision.reason,
        ),
      };
    const expiresAt = now() + duration * 1000;
    const c = principals.issue(role, session, expiresAt);
    return {
      xml: `<AssumeRoleResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><AssumeRoleResult><Credentials><AccessKeyId>${c.accessKeyId}</AccessKeyId><SecretAccessKey>${escapeXml(c.secretAccessKey)}</SecretAccessKey><SessionToken>${escapeXml(c.sessionToken)}</SessionToken><Expiration>${iso(expiresAt)}</Expiration></Credentials><AssumedRoleUser><AssumedRoleId>AROA${role.name.length.toString().padStart(4, '0')}LOCAL:${escapeXml(session)}</AssumedRoleId><Arn>arn:aws:sts::${role.account}:assumed-role/${escapeXml(role.name)}/${escapeXml(session)}</Arn></AssumedRoleUser></AssumeRoleResult><ResponseMetadata><RequestId>${crypto.randomUUID()}</RequestId></ResponseMetadata></AssumeRoleResponse>`,
    };
  },
  GetCallerIdentity: async (caller: Caller): Promise<StsResult> => ({
    xml: `<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><GetCallerIdentityResult><Arn>${escapeXml(caller.arn)}</Arn><UserId>local</UserId><Account>${caller.account}</Account></GetCallerIdentityResult><ResponseMetadata><RequestId>${crypto.randomUUID()}</RequestId></ResponseMetadata></GetCallerIdentityResponse>`,
  }),
});
