import { type DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { CliError } from './cli-error';

/**
 * The stage's state table. serverless.yml gives StateTable no TableName, so CloudFormation
 * generates a unique physical ID from the stack name, the logical id and a random suffix
 * (AWS CloudFormation User Guide, "Name type", whose example is
 * `stack123123123123-s3bucket-abcdefghijk1`; the case of the logical id may differ), and
 * serverless names the stack `edge-mlops-<stage>`. The local emulator names it
 * `edge-mlops-<stage>-state-table`. Anything else: `--table`.
 */
export const findStateTable = async (
  dynamo: DynamoDBClient,
  stage: string,
  given?: string,
): Promise<string> => {
  if (given) return given;
  const generated = `edge-mlops-${stage}-StateTable-`;
  const local = `edge-mlops-${stage}-state-table`;
  const found: string[] = [];
  let start: string | undefined;
  do {
    const page = await dynamo.send(new ListTablesCommand({ ExclusiveStartTableName: start }));
    for (const name of page.TableNames ?? [])
      if (name === local || name.toLowerCase().startsWith(generated.toLowerCase()))
        found.push(name);
    start = page.LastEvaluatedTableName;
  } while (start);
  if (found.length === 1) return found[0]!;
  if (found.length === 0)
    throw new CliError(
      `no state table of stage ${stage} (${generated}… or ${local}); wrong --stage, --region or credentials? Or name it with --table`,
    );
  throw new CliError(
    `several state tables of stage ${stage}: ${found.join(', ')}; pick one with --table`,
  );
};

/** The state table through the document client, as the functions read it. */
export const stateStoreOf = (dynamo: DynamoDBClient, table: string) => ({
  dynamo: DynamoDBDocumentClient.from(dynamo, {
    marshallOptions: { removeUndefinedValues: true },
  }),
  table,
});
