import { ListStateMachinesCommand, SFNClient } from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { executionArnIn, stageMachines, stateMachineArnOf } from '../../../cli/sre/state-machine';

const sfn = mockClient(SFNClient);
const machine = (name: string) => `arn:aws:states:us-east-1:111122223333:stateMachine:${name}`;
const DEPLOYMENT = machine('edge-mlops-prod-edge-deployment');
const ROLLBACK = machine('edge-mlops-prod-roll-back-rejected');

beforeEach(() => sfn.reset());

describe("the stage's state machines", () => {
  it('finds the deployment machine and the rollback machine of a stage', async () => {
    // Prepare
    sfn.on(ListStateMachinesCommand).resolves({
      stateMachines: [
        { stateMachineArn: ROLLBACK, name: 'edge-mlops-prod-roll-back-rejected' } as never,
        { stateMachineArn: DEPLOYMENT, name: 'edge-mlops-prod-edge-deployment' } as never,
      ],
    });
    // Act
    const found = await stageMachines(new SFNClient({}), 'prod');
    // Assess
    expect(found).toEqual({ deployment: DEPLOYMENT, rollback: ROLLBACK });
  });

  it('works with a stack that has no rollback machine yet', async () => {
    // Prepare
    sfn.on(ListStateMachinesCommand).resolves({
      stateMachines: [
        { stateMachineArn: DEPLOYMENT, name: 'edge-mlops-prod-edge-deployment' } as never,
      ],
    });
    // Act
    const found = await stageMachines(new SFNClient({}), 'prod');
    // Assess
    expect(found).toEqual({ deployment: DEPLOYMENT });
  });

  it('names a rollback execution on the rollback machine and a release on the deployment machine', () => {
    // Act
    const rollback = executionArnIn(
      { deployment: DEPLOYMENT, rollback: ROLLBACK },
      'rollback-g-v7-1',
    );
    const release = executionArnIn({ deployment: DEPLOYMENT, rollback: ROLLBACK }, 'g-v7-1');
    // Assess
    expect(rollback).toBe(
      'arn:aws:states:us-east-1:111122223333:execution:edge-mlops-prod-roll-back-rejected:rollback-g-v7-1',
    );
    expect(stateMachineArnOf(rollback)).toBe(ROLLBACK);
    expect(stateMachineArnOf(release)).toBe(DEPLOYMENT);
  });
});
