'use strict';
/**
 * A local plugin that finishes the packaged template from the stage config
 * (`custom.stage`, see stage-config.cjs), after serverless has merged `resources:`:
 *  - adds the generated SNS subscriptions and their outputs (notifications.cjs), so the
 *    stage config stays the one place where people are named;
 *  - adds the artifact bucket's policy for twin and fleet accounts (artifact-readers.cjs);
 *  - drops the framework's default role IamRoleLambdaExecution when nothing uses it (every
 *    function has its own role, serverless-iam-roles-per-function): a role nobody assumes is
 *    only attack surface;
 *  - drops IAM statements whose derived Resource list is empty. Such a statement grants
 *    nothing (e.g. sts:AssumeRole when the stage names no cross-account role), but IAM
 *    refuses a statement without a resource, so "nothing configured" packages as
 *    "no statement at all".
 */
const mergeGenerated = (template, generated) => {
  for (const section of ['Resources', 'Outputs']) {
    template[section] ??= {};
    for (const [id, value] of Object.entries(generated?.[section] ?? {})) {
      if (template[section][id])
        throw new Error(
          `stage config generates ${section}.${id}, which serverless.yml already declares`,
        );
      template[section][id] = value;
    }
  }
};

const dropEmptyStatements = (template) => {
  for (const resource of Object.values(template.Resources ?? {})) {
    if (resource.Type !== 'AWS::IAM::Role') continue;
    for (const policy of resource.Properties?.Policies ?? []) {
      const document = policy.PolicyDocument;
      if (!Array.isArray(document?.Statement)) continue;
      document.Statement = document.Statement.filter(
        (s) => !(Array.isArray(s.Resource) && s.Resource.length === 0),
      );
    }
  }
};

const DEFAULT_ROLE = 'IamRoleLambdaExecution';
const dropUnusedDefaultRole = (template) => {
  if (!template.Resources?.[DEFAULT_ROLE]) return;
  const { [DEFAULT_ROLE]: _role, ...others } = template.Resources;
  const used = JSON.stringify({ others, outputs: template.Outputs ?? {} });
  if (used.includes(`"Ref":"${DEFAULT_ROLE}"`) || used.includes(`["${DEFAULT_ROLE}"`)) return;
  delete template.Resources[DEFAULT_ROLE];
};

/**
 * The UpdateEventConfigurations request for `custom.iotEventConfigurations` ({ JOB: true }):
 * account-wide IoT settings that no CloudFormation resource type holds, so they are applied
 * after each deploy (AWS IoT API reference, UpdateEventConfigurations; the Terraform and
 * Pulumi providers also set them through this API). Only enables: another stack of the
 * account may rely on the same events, so a remove leaves them on.
 */
const eventConfigurationsRequest = (settings) => {
  const enabled = Object.entries(settings ?? {}).filter(([, on]) => on === true);
  if (!enabled.length) return undefined;
  return {
    eventConfigurations: Object.fromEntries(enabled.map(([type]) => [type, { Enabled: true }])),
  };
};

class StageResources {
  constructor(serverless) {
    this.hooks = {
      'after:deploy:deploy': async () => {
        const request = eventConfigurationsRequest(
          serverless.service.custom?.iotEventConfigurations,
        );
        if (!request) return;
        await serverless.getProvider('aws').request('Iot', 'updateEventConfigurations', request);
        serverless.cli.log(
          `IoT event configurations enabled: ${Object.keys(request.eventConfigurations).join(', ')}`,
        );
      },
      'before:aws:package:finalize:saveServiceState': () => {
        const template = serverless.service.provider.compiledCloudFormationTemplate;
        mergeGenerated(template, serverless.service.custom?.stage?.notificationResources);
        mergeGenerated(template, serverless.service.custom?.stage?.artifactReaderResources);
        mergeGenerated(template, serverless.service.custom?.stage?.smokeResponseResources);
        mergeGenerated(template, serverless.service.custom?.stage?.jobEventResources);
        mergeGenerated(template, serverless.service.custom?.stage?.driftScheduleResources);
        dropEmptyStatements(template);
        dropUnusedDefaultRole(template);
      },
    };
  }
}

module.exports = StageResources;
module.exports.dropEmptyStatements = dropEmptyStatements;
module.exports.eventConfigurationsRequest = eventConfigurationsRequest;
module.exports.dropUnusedDefaultRole = dropUnusedDefaultRole;
