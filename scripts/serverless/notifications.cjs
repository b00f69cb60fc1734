'use strict';
/**
 * The SNS subscriptions a stage's config asks for, as a CloudFormation fragment that
 * serverless.yml merges into `resources` (and local mode provisions into the emulator):
 *   - one e-mail subscription per approver on ApprovalTopic, with a filter policy on the
 *     `approver` message attribute request-approval sets, so each approver receives only
 *     their own signed link (SNS message filtering, "Subscription filter policies":
 *     https://docs.aws.amazon.com/sns/latest/dg/sns-subscription-filter-policies.html);
 *   - `notifications.ops` on OpsTopic (the alarms) and `notifications.releases` on
 *     NotificationsTopic (deployed / failed), each an e-mail address or an https endpoint.
 * E-mail and https subscriptions stay "pending confirmation" until the person clicks the
 * link AWS sends or the endpoint confirms (https://docs.aws.amazon.com/sns/latest/dg/sns-create-subscribe-endpoint-to-topic.html).
 */
const { createHash } = require('node:crypto');

const EMAIL = /^[^@\s]+@[^@\s]+\.[^@\s]+$/;

const protocolOf = (endpoint) => (endpoint.startsWith('https://') ? 'https' : 'email');

/** A readable, unique CloudFormation logical id for one endpoint. */
const logicalId = (prefix, endpoint) => {
  const readable = endpoint
    .replace(/^https:\/\//, '')
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean)
    .map((w) => w[0].toUpperCase() + w.slice(1))
    .join('')
    .slice(0, 48);
  const hash = createHash('sha256').update(endpoint).digest('hex').slice(0, 6);
  return `${prefix}${readable}${hash}`;
};

/**
 * Approver e-mail addresses of every model group, each once. Approvers receive their links
 * by e-mail (and an OIDC login must match the address), so anything else is refused.
 */
const approverAddresses = (config) => {
  for (const [group, profile] of Object.entries(config.modelGroups)) {
    profile.approval.approvers.forEach((approver, i) => {
      if (!EMAIL.test(approver))
        throw new Error(
          `modelGroups.${group}.approval.approvers.${i}: "${approver}" is not an e-mail address; approvers receive their signed links by e-mail`,
        );
    });
  }
  return [...new Set(Object.values(config.modelGroups).flatMap((p) => p.approval.approvers))];
};

const notificationResources = (config) => {
  const resources = {};
  const outputs = {};
  const listed = (endpoints) => (endpoints.length ? endpoints.join(', ') : 'none');

  const approvers = approverAddresses(config);
  for (const address of approvers) {
    resources[logicalId('ApproverSubscription', address)] = {
      Type: 'AWS::SNS::Subscription',
      Properties: {
        TopicArn: { Ref: 'ApprovalTopic' },
        Protocol: 'email',
        Endpoint: address,
        FilterPolicyScope: 'MessageAttributes',
        FilterPolicy: { approver: [address] },
      },
    };
  }
  outputs.ApproverSubscriptions = {
    Description: 'E-mail subscriptions on the approval topic (each receives only their own links)',
    Value: listed(approvers),
  };

  const topics = [
    ['ops', 'OpsTopic', 'OpsSubscription', 'OpsSubscriptions', 'operations alarms'],
    [
      'releases',
      'NotificationsTopic',
      'ReleaseSubscription',
      'ReleaseSubscriptions',
      'release outcomes (deployed / failed)',
    ],
  ];
  const notifications = config.notifications ?? { ops: [], releases: [] };
  for (const [field, topic, prefix, output, what] of topics) {
    const endpoints = [...new Set(notifications[field] ?? [])];
    for (const endpoint of endpoints) {
      resources[logicalId(prefix, endpoint)] = {
        Type: 'AWS::SNS::Subscription',
        Properties: {
          TopicArn: { Ref: topic },
          Protocol: protocolOf(endpoint),
          Endpoint: endpoint,
        },
      };
    }
    outputs[output] = { Description: `Subscriptions to the ${what}`, Value: listed(endpoints) };
  }
  return { Resources: resources, Outputs: outputs };
};

module.exports = { notificationResources, approverAddresses };
