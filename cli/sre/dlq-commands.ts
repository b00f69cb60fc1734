import { LambdaClient } from '@aws-sdk/client-lambda';
import { GetQueueUrlCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { Command } from 'commander';
import { confirm } from './bulk-action';
import { CliError } from './cli-error';
import { type DeadLetter, listDeadLetters, replayDeadLetter } from './dlq';
import { table } from './format';
import { type CommonOptions, clientConfig, out, stageOf, withCommonOptions } from './options';

/** `edge-mlops dlq list|replay`: events start-pipeline could not process. */
export const registerDlqCommands = (program: Command, exit: (code: number) => never) => {
  const dlq = program.command('dlq').description('events start-pipeline could not process');
  const queue = async (o: CommonOptions & { queueUrl?: string }) => {
    if (o.queueUrl) return o.queueUrl;
    const sqs = new SQSClient(clientConfig(o));
    const { QueueUrl } = await sqs.send(
      new GetQueueUrlCommand({ QueueName: `edge-mlops-${stageOf(o)}-ingest-dlq` }),
    );
    if (!QueueUrl) throw new CliError('the dead-letter queue was not found');
    return QueueUrl;
  };
  withCommonOptions(
    dlq.command('list').description('show dead-lettered events and why they failed'),
  )
    .option('--queue-url <url>', 'the queue (default: edge-mlops-<stage>-ingest-dlq)')
    .option('--max <n>', 'at most this many', (v) => Number(v), 100)
    .action(async (o) => {
      const letters = await listDeadLetters(new SQSClient(clientConfig(o)), await queue(o), o.max);
      if (o.json)
        out(JSON.stringify({ deadLetters: letters.map(({ receiptHandle: _r, ...l }) => l) }));
      else
        out(
          table(letters as unknown as Record<string, unknown>[], [
            'messageId',
            'sentAt',
            'eventId',
            'status',
            'modelPackageArn',
            'error',
            'reason',
          ]),
        );
      exit(0);
    });
  withCommonOptions(
    dlq
      .command('replay')
      .description('re-deliver dead-lettered events into start-pipeline after a fix')
      .argument('[messageIds...]', 'which ones (or --all)'),
  )
    .option('--queue-url <url>', 'the queue (default: edge-mlops-<stage>-ingest-dlq)')
    .option('--all', 'every dead-lettered event')
    .option(
      '--function <name>',
      'start-pipeline function (default: edge-mlops-<stage>-startPipeline)',
    )
    .option('--dry-run', 'print the plan, change nothing')
    .option('--yes', 'do not ask for confirmation')
    .action(async (ids: string[], o) => {
      const sqs = new SQSClient(clientConfig(o));
      const url = await queue(o);
      const letters = (await listDeadLetters(sqs, url, 1000, 60)).filter(
        (l) => o.all || ids.includes(l.messageId),
      );
      if (!o.all && ids.length === 0) throw new CliError('give message ids or --all');
      // Every id asked for must be there before anything is replayed.
      const missing = ids.filter((id) => !letters.some((l) => l.messageId === id));
      if (!o.all && missing.length)
        throw new CliError(
          `not in the dead-letter queue: ${missing.join(', ')} (edge-mlops dlq list shows what is there); nothing was replayed`,
        );
      if (letters.length === 0 && !o.json) {
        out('no dead letters to replay');
        exit(0);
      }
      if (o.dryRun) {
        out(
          o.json
            ? JSON.stringify({ dryRun: true, plan: letters.map((l: DeadLetter) => l.messageId) })
            : `would replay ${letters.length} event(s)`,
        );
        exit(0);
      }
      if (
        letters.length > 1 &&
        process.stdin.isTTY &&
        !o.yes &&
        !(await confirm(`replay ${letters.length} events?`))
      )
        exit(1);
      const lambda = new LambdaClient(clientConfig(o));
      const results = [];
      for (const letter of letters)
        results.push(
          await replayDeadLetter(
            { sqs, lambda },
            url,
            o.function ?? `edge-mlops-${stageOf(o)}-startPipeline`,
            letter,
          ),
        );
      if (o.json) out(JSON.stringify({ results }));
      else for (const r of results) out(`${r.ok ? 'ok  ' : 'FAIL'}  ${r.messageId}  ${r.detail}`);
      exit(results.every((r) => r.ok) ? 0 : 1);
    });
};
