import { LambdaClient } from '@aws-sdk/client-lambda';
import type { Command } from 'commander';
import { type ApprovalView, listApprovals, resendCommand, showApproval } from './approvals';
import { stateStoreFor } from './aws';
import { table } from './format';
import { assertKnownModelGroup } from './model-group';
import { clientConfig, out, stageOf, withCommonOptions, withTableOption } from './options';
import { resendLink } from './resend';

/** `edge-mlops approvals list|show|resend`: what waits for people, and who. */
const approversLine = (a: ApprovalView) =>
  a.approvers
    .map((p) => `${p.approver}${p.approvedAt ? ` (approved ${p.approvedAt})` : ''}`)
    .join(', ');

const row = (a: ApprovalView) => ({
  approvalId: a.approvalId,
  model: `${a.modelGroup} v${a.version}`,
  status: a.status,
  quorum: `${a.approved}/${a.quorum}`,
  approvers: a.approvers.map((p) => `${p.approver}${p.approvedAt ? ' ✔' : ''}`).join(', '),
  deadline: `${a.deadline}${a.overdue ? ' (passed)' : ''}`,
  execution: a.execution,
});
export const registerApprovalCommands = (program: Command, exit: (code: number) => never) => {
  const approvals = program
    .command('approvals')
    .description('approvals waiting for people: who may decide, quorum, deadline, resend a link');

  withTableOption(
    withCommonOptions(approvals.command('list').description('pending approvals (every page)')),
  )
    .option('--all', 'decided, expired and stopped approvals too')
    .option('--model-group <group>', 'only this model package group')
    .option(
      '--config <file>',
      'stage configuration naming the model groups (default: config/<stage>.yml)',
    )
    .action(async (o) => {
      assertKnownModelGroup(o);
      const rows = await listApprovals(
        await stateStoreFor(o),
        { all: o.all, modelGroup: o.modelGroup },
        Date.now(),
      );
      if (o.json) out(JSON.stringify({ approvals: rows }));
      else
        out(
          table(rows.map(row), [
            'approvalId',
            'model',
            'status',
            'quorum',
            'approvers',
            'deadline',
            'execution',
          ]),
        );
      exit(0);
    });

  withTableOption(
    withCommonOptions(
      approvals
        .command('show')
        .description('one approval: approvers, quorum so far, deadline, execution, audit trail')
        .argument('<approval-id>', 'as approvals list shows it'),
    ),
  ).action(async (approvalId: string, o) => {
    const a = await showApproval(await stateStoreFor(o), approvalId, Date.now());
    if (o.json) out(JSON.stringify(a));
    else {
      out(`Approval:   ${a.approvalId} (${a.status})`);
      out(`Model:      ${a.modelGroup} v${a.version}`);
      out(`Execution:  ${a.execution}`);
      out(`Quorum:     ${a.approved} of ${a.quorum} needed`);
      out(`Approvers:  ${approversLine(a)}`);
      out(`Requested:  ${a.createdAt}`);
      out(`Deadline:   ${a.deadline}${a.overdue ? ' (passed)' : ''}`);
      if (a.decision)
        out(
          `Decision:   ${a.decision.outcome}${a.decision.by ? ` by ${a.decision.by}` : ''} at ${a.decision.at}${a.decision.reason ? ` (${a.decision.reason})` : ''}`,
        );
      if (a.resumedAt) out(`Resumed:    ${a.resumedAt}`);
      if (a.delivery)
        out(
          `Not resumed: ${a.delivery.attempts} attempt(s), last ${a.delivery.lastAttemptAt}: ${a.delivery.lastError}`,
        );
      if (a.status === 'PENDING' && !a.overdue) out(`Resend:     ${resendCommand(a.approvalId)}`);
      out('Audit:');
      out(
        table(
          a.audit.map((e) => ({ ...e })),
          ['at', 'action', 'approver', 'outcome'],
        )
          .split('\n')
          .map((l) => `  ${l}`)
          .join('\n'),
      );
    }
    exit(0);
  });

  withCommonOptions(
    approvals
      .command('resend')
      .description(
        'send an approver a fresh link to their own address (earlier links stay valid until used or expired)',
      )
      .argument('<approval-id>', 'as approvals list shows it')
      .argument('<approver>', 'the approver’s address, as the approval lists it'),
  )
    .option(
      '--function <name>',
      'the resend function (default: edge-mlops-<stage>-resendApprovalLink)',
    )
    .action(async (approvalId: string, approver: string, o) => {
      const result = await resendLink(
        new LambdaClient(clientConfig(o)),
        o.function ?? `edge-mlops-${stageOf(o)}-resendApprovalLink`,
        { approvalId, approver },
      );
      if (o.json) out(JSON.stringify(result));
      else if (result.sent)
        out(
          `sent ${result.approver} a fresh link to approval ${result.approvalId} (valid until ${result.deadline}); earlier links stay valid until used or expired`,
        );
      else out(`not sent: ${result.refused}`);
      exit(result.sent ? 0 : 1);
    });
};
