import type { Fleet } from '../../functions/shared/stage-config/schema';
import { coreDevicePolicyName, joinGroupOf } from './names';

/**
 * The fleet provisioning template of a fleet (AWS IoT developer guide, "Provisioning
 * templates"; Greengrass developer guide, "Set up AWS IoT fleet provisioning for Greengrass
 * core devices"): a thing named by the device, in the fleet's join group, with the core
 * device policy and the certificate the claim exchange created (AWS::IoT::Certificate::Id).
 */
export const provisioningTemplateBody = (stage: string, fleet: Fleet) => ({
  Parameters: {
    ThingName: { Type: 'String' },
    'AWS::IoT::Certificate::Id': { Type: 'String' },
  },
  Resources: {
    Thing: {
      Type: 'AWS::IoT::Thing',
      Properties: {
        ThingName: { Ref: 'ThingName' },
        ThingGroups: [joinGroupOf(fleet).groupName],
        AttributePayload: { fleet: fleet.name },
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
