// biome-ignore-all lint/suspicious/noTemplateCurlyInString: ${…} are CloudFormation Fn::Sub placeholders, not JavaScript templates.
import type { StageConfig } from '../../functions/shared/stage-config/schema';
import { CliError } from '../sre/executions';
import {
  accountOf,
  claimPolicyName,
  coreDevicePolicyName,
  type Enrolment,
  fleetEnrolment,
  tokenExchangeRoleAlias,
  twinEnrolment,
} from './names';
import { enrolmentTemplateBody } from './provisioning-template';

/**
 * The per-account prerequisites of core devices, as a CloudFormation template
 * (`edge-mlops devices prerequisites --account <id>`, deployed with `aws cloudformation
 * deploy`): the token exchange role and its role alias, the core device IoT policy, the thing
 * groups of the twin and waves in that account, and per fleet (and per twin that is a thing
 * group) a provisioning template with the claim policy devices use to register themselves.
 * Sources: Greengrass developer guide, "Authorize core devices to interact with AWS services"
 * (role trusted by credentials.iot.amazonaws.com, role alias), "Minimal AWS IoT policy for
 * AWS IoT Greengrass V2 core devices", "Set up AWS IoT fleet provisioning" (provisioning role
 * with AWSIoTThingsRegistration, claim certificate policy on $aws/certificates/create/* and
 * $aws/provisioning-templates/<name>/provision/*).
 */
const sub = (text: string) => ({ 'Fn::Sub': text });
const alnum = (s: string) => s.replace(/[^A-Za-z0-9]/g, '');

export const devicePrerequisitesTemplate = (config: StageConfig, account: string) => {
  const stage = config.stage;
  const groups = new Map<string, string>();
  // What new devices of this account join: its fleets (their last wave) and twin groups.
  const enrolments: Enrolment[] = [];
  const artifactObjects = new Set<string>();
  const captures = new Set<string>();
  const smokeImages = new Set<string>();
  for (const [group, profile] of Object.entries(config.modelGroups)) {
    let inAccount = false;
    for (const arn of [
      profile.twin.targetArn,
      ...profile.fleets.flatMap((f) => f.waves.map((w) => w.targetArn)),
    ]) {
      if (accountOf(arn) !== account) continue;
      inAccount = true;
      if (/:thinggroup\//.test(arn)) groups.set(arn.slice(arn.indexOf('/') + 1), arn);
    }
    for (const fleet of profile.fleets) {
      const e = fleetEnrolment(config, fleet.name);
      if (accountOf(e.groupArn) === account) enrolments.push(e);
    }
    if (
      accountOf(profile.twin.targetArn) === account &&
      /:thinggroup\//.test(profile.twin.targetArn)
    )
      enrolments.push(twinEnrolment(config, group));
    // The twin's smoke inputs name their sample images by S3 URI; the inference component
    // reads them with these credentials (components/inference/edge_inference/payload.py).
    if (accountOf(profile.twin.targetArn) === account)
      for (const test of profile.twin.tests)
        if (test.type === 'inference-smoke')
          for (const input of test.inputs) {
            const image = (input.payload as { image?: unknown } | null)?.image;
            if (typeof image === 'string' && image.startsWith('s3://'))
              smokeImages.add(`arn:aws:s3:::${image.slice('s3://'.length)}`);
          }
    if (!inAccount) continue;
    // Built from `source`, the code is in the pipeline's artifact bucket, granted below with it.
    const code = profile.components.inference.artifactUri;
    if (code) artifactObjects.add(`arn:aws:s3:::${code.slice('s3://'.length)}`);
    if (profile.monitoring)
      captures.add(
        `arn:aws:s3:::${profile.monitoring.captureBucket}/${profile.monitoring.capturePrefix}/${group}/*`,
      );
  }
  if (groups.size === 0)
    throw new CliError(
      `stage ${stage} names no twin or wave thing group in account ${account}; accounts: ${[
        ...new Set(
          Object.values(config.modelGroups).flatMap((p) => [
            accountOf(p.twin.targetArn),
            ...p.fleets.flatMap((f) => f.waves.map((w) => accountOf(w.targetArn))),
          ]),
        ),
      ].join(', ')}`,
    );

  const Resources: Record<string, unknown> = {
    TokenExchangeRole: {
      Type: 'AWS::IAM::Role',
      Properties: {
        AssumeRolePolicyDocument: {
          Version: '2012-10-17',
          Statement: [
            {
              Effect: 'Allow',
              Principal: { Service: 'credentials.iot.amazonaws.com' },
              Action: 'sts:AssumeRole',
            },
          ],
        },
        Policies: [
          {
            PolicyName: 'edge-mlops-core-device',
            PolicyDocument: {
              Version: '2012-10-17',
              Statement: [
                // Component artifacts: the compiled models (the pipeline's artifact bucket,
                // granted by its bucket policy) and the inference code.
                {
                  Effect: 'Allow',
                  Action: ['s3:GetObject'],
                  Resource: [
                    sub('arn:${AWS::Partition}:s3:::${ArtifactBucketName}/*'),
                    ...artifactObjects,
                  ],
                },
                {
                  Effect: 'Allow',
                  Action: ['s3:GetBucketLocation'],
                  Resource: [
                    sub('arn:${AWS::Partition}:s3:::${ArtifactBucketName}'),
                    ...[...artifactObjects].map((a) => a.slice(0, a.indexOf('/'))),
                  ],
                },
                ...(captures.size
                  ? [{ Effect: 'Allow', Action: ['s3:PutObject'], Resource: [...captures] }]
                  : []),
                ...(smokeImages.size
                  ? [{ Effect: 'Allow', Action: ['s3:GetObject'], Resource: [...smokeImages] }]
                  : []),
                {
                  Effect: 'Allow',
                  Action: [
                    'logs:CreateLogGroup',
                    'logs:CreateLogStream',
                    'logs:PutLogEvents',
                    'logs:DescribeLogStreams',
                  ],
                  Resource: sub(
                    'arn:${AWS::Partition}:logs:${AWS::Region}:${AWS::AccountId}:log-group:/aws/greengrass/*',
                  ),
                },
                // aws.greengrass.Cloudwatch publishes the component's metrics.
                {
                  Effect: 'Allow',
                  Action: ['cloudwatch:PutMetricData'],
                  Resource: '*',
                  Condition: { StringEquals: { 'cloudwatch:namespace': 'edge-mlops/inference' } },
                },
              ],
            },
          },
        ],
      },
    },
    TokenExchangeRoleAlias: {
      Type: 'AWS::IoT::RoleAlias',
      Properties: {
        RoleAlias: tokenExchangeRoleAlias(stage),
        RoleArn: { 'Fn::GetAtt': ['TokenExchangeRole', 'Arn'] },
        CredentialDurationSeconds: 3600,
      },
    },
    CoreDevicePolicy: {
      Type: 'AWS::IoT::Policy',
      Properties: {
        PolicyName: coreDevicePolicyName(stage),
        PolicyDocument: {
          Version: '2012-10-17',
          Statement: [
            {
              Effect: 'Allow',
              Action: ['iot:Connect'],
              Resource: sub(
                'arn:${AWS::Partition}:iot:${AWS::Region}:${AWS::AccountId}:client/${!iot:Connection.Thing.ThingName}*',
              ),
            },
            {
              Effect: 'Allow',
              Action: ['iot:Publish', 'iot:Receive'],
              Resource: [
                sub(
                  'arn:${AWS::Partition}:iot:${AWS::Region}:${AWS::AccountId}:topic/$aws/things/${!iot:Connection.Thing.ThingName}*/*',
                ),
                sub(
                  'arn:${AWS::Partition}:iot:${AWS::Region}:${AWS::AccountId}:topic/edge-mlops/smoke/request/${!iot:Connection.Thing.ThingName}/*',
                ),
                sub(
                  'arn:${AWS::Partition}:iot:${AWS::Region}:${AWS::AccountId}:topic/edge-mlops/smoke/response/*',
                ),
              ],
            },
            {
              Effect: 'Allow',
              Action: ['iot:Subscribe'],
              Resource: [
                sub(
                  'arn:${AWS::Partition}:iot:${AWS::Region}:${AWS::AccountId}:topicfilter/$aws/things/${!iot:Connection.Thing.ThingName}*/*',
                ),
                sub(
                  'arn:${AWS::Partition}:iot:${AWS::Region}:${AWS::AccountId}:topicfilter/edge-mlops/smoke/request/${!iot:Connection.Thing.ThingName}/*',
                ),
              ],
            },
            {
              Effect: 'Allow',
              Action: ['iot:GetThingShadow', 'iot:UpdateThingShadow', 'iot:DeleteThingShadow'],
              Resource: sub(
                'arn:${AWS::Partition}:iot:${AWS::Region}:${AWS::AccountId}:thing/${!iot:Connection.Thing.ThingName}*',
              ),
            },
            {
              Effect: 'Allow',
              Action: ['iot:AssumeRoleWithCertificate'],
              Resource: { 'Fn::GetAtt': ['TokenExchangeRoleAlias', 'RoleAliasArn'] },
            },
            {
              Effect: 'Allow',
              Action: [
                'greengrass:GetComponentVersionArtifact',
                'greengrass:ResolveComponentCandidates',
                'greengrass:GetDeploymentConfiguration',
                'greengrass:ListThingGroupsForCoreDevice',
              ],
              Resource: '*',
            },
          ],
        },
      },
    },
    ProvisioningRole: {
      Type: 'AWS::IAM::Role',
      Properties: {
        AssumeRolePolicyDocument: {
          Version: '2012-10-17',
          Statement: [
            {
              Effect: 'Allow',
              Principal: { Service: 'iot.amazonaws.com' },
              Action: 'sts:AssumeRole',
            },
          ],
        },
        ManagedPolicyArns: [
          sub('arn:${AWS::Partition}:iam::aws:policy/service-role/AWSIoTThingsRegistration'),
        ],
      },
    },
    ClaimPolicy: {
      Type: 'AWS::IoT::Policy',
      Properties: {
        PolicyName: claimPolicyName(stage),
        PolicyDocument: {
          Version: '2012-10-17',
          Statement: [
            { Effect: 'Allow', Action: ['iot:Connect'], Resource: '*' },
            {
              Effect: 'Allow',
              Action: ['iot:Publish', 'iot:Receive'],
              Resource: [
                sub(
                  'arn:${AWS::Partition}:iot:${AWS::Region}:${AWS::AccountId}:topic/$aws/certificates/create/*',
                ),
                ...enrolments.map((e) =>
                  sub(
                    `arn:\${AWS::Partition}:iot:\${AWS::Region}:\${AWS::AccountId}:topic/$aws/provisioning-templates/${e.templateName}/provision/*`,
                  ),
                ),
              ],
            },
            {
              Effect: 'Allow',
              Action: ['iot:Subscribe'],
              Resource: [
                sub(
                  'arn:${AWS::Partition}:iot:${AWS::Region}:${AWS::AccountId}:topicfilter/$aws/certificates/create/*',
                ),
                ...enrolments.map((e) =>
                  sub(
                    `arn:\${AWS::Partition}:iot:\${AWS::Region}:\${AWS::AccountId}:topicfilter/$aws/provisioning-templates/${e.templateName}/provision/*`,
                  ),
                ),
              ],
            },
          ],
        },
      },
    },
  };
  for (const [name] of groups)
    Resources[`ThingGroup${alnum(name)}`] = {
      Type: 'AWS::IoT::ThingGroup',
      Properties: { ThingGroupName: name },
    };
  for (const e of enrolments) {
    Resources[`ProvisioningTemplate${alnum(e.templateName)}`] = {
      Type: 'AWS::IoT::ProvisioningTemplate',
      DependsOn: [`ThingGroup${alnum(e.groupName)}`, 'CoreDevicePolicy'],
      Properties: {
        TemplateName: e.templateName,
        Description: `edge-mlops ${stage}: core devices of ${e.label}`,
        Enabled: true,
        ProvisioningRoleArn: { 'Fn::GetAtt': ['ProvisioningRole', 'Arn'] },
        TemplateBody: JSON.stringify(enrolmentTemplateBody(stage, e)),
      },
    };
  }
  return {
    AWSTemplateFormatVersion: '2010-09-09',
    Description: `edge-mlops ${stage}: what core devices in account ${account} need (docs/devices.md)`,
    Parameters: {
      ArtifactBucketName: {
        Type: 'String',
        Description: "The pipeline stack's ArtifactBucketName output (compiled models)",
      },
    },
    Resources,
    Outputs: {
      TokenExchangeRoleAlias: { Value: tokenExchangeRoleAlias(stage) },
      CoreDevicePolicy: { Value: coreDevicePolicyName(stage) },
      ClaimPolicy: { Value: claimPolicyName(stage) },
    },
  };
};
