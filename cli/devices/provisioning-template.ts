import { coreDevicePolicyName, type Enrolment } from './names';

/**
 * The fleet provisioning template of a fleet (AWS IoT developer guide, "Provisioning
 * templates"; Greengrass developer guide, "Set up AWS IoT fleet provisioning for Greengrass
 * core devices"): a thing named by the device, in the group it joins (a fleet's last wave or
 * a twin group), with the core
 * device policy and the certificate the claim exchange created (AWS::IoT::Certificate::Id).
 */
export const provisioningTemplateBody = (
  stage: string,
  join: { groupName: string; attributes: Record<string, string> },
) => ({
  Parameters: {
    ThingName: { Type: 'String' },
    'AWS::IoT::Certificate::Id': { Type: 'String' },
  },
  Resources: {
    Thing: {
      Type: 'AWS::IoT::Thing',
      Properties: {
        ThingName: { Ref: 'ThingName' },
        ThingGroups: [join.groupName],
        AttributePayload: join.attributes,
      },
    },
    Policy: {
      Type: 'AWS::IoT::Policy',
      Properties: { PolicyName: coreDevicePolicyName(stage) },
    },
    Certificate: {
      Type: 'AWS::IoT::Certificate',
      Properties: { CertificateId: { Ref: 'AWS::IoT::Certificate::Id' }, Status: 'ACTIVE' },
    },
  },
});

/** The template of what a device joins: the thing carries its fleet, or the twin's group. */
export const enrolmentTemplateBody = (stage: string, e: Enrolment) =>
  provisioningTemplateBody(stage, {
    groupName: e.groupName,
    attributes: e.fleet ? { fleet: e.fleet } : { twin: e.modelGroup },
  });
