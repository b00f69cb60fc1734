import { nextFunctions } from '../../../emulator/services/sfn-next-functions';
import { definitionOf } from '../../../statemachines/definition';

/** What the function runtime loads ahead: the functions that can run next, read from the ASL. */
describe('nextFunctions', () => {
  const task = (fn: string, next?: string, extra = {}) => ({
    Type: 'Task',
    Resource: `fn:${fn}`,
    ...(next ? { Next: next } : { End: true }),
    ...extra,
  });
  const functionOf = (t: Record<string, unknown>) => String(t.Resource).replace('fn:', '');

  it('follows Choice branches, Wait and Pass states, but not Catch', () => {
    const { first, after } = nextFunctions(
      {
        StartAt: 'Pass',
        States: {
          Pass: { Type: 'Pass', Next: 'A' },
          A: task('a', 'Choose', { Catch: [{ ErrorEquals: ['States.ALL'], Next: 'Fail Hard' }] }),
          Choose: {
            Type: 'Choice',
            Choices: [{ Variable: '$.x', BooleanEquals: true, Next: 'Wait' }],
            Default: 'C',
          },
          Wait: { Type: 'Wait', Seconds: 5, Next: 'A' },
          C: task('c'),
          'Fail Hard': task('onFailure'),
        },
      } as never,
      functionOf,
    );
    expect(first).toEqual(['a']);
    expect(after.get('A')).toEqual(['a', 'c']);
    expect(after.get('C')).toEqual([]);
  });

  it('enters a Map, goes round to its next item and leaves it', () => {
    const { first, after } = nextFunctions(
      {
        StartAt: 'Each',
        States: {
          Each: {
            Type: 'Map',
            ItemProcessor: {
              StartAt: 'In',
              States: { In: task('in', 'Last'), Last: task('last') },
            },
            Next: 'After',
          },
          After: task('after'),
        },
      } as never,
      functionOf,
    );
    expect(first).toEqual(['in']);
    expect(after.get('In')).toEqual(['last']);
    expect(after.get('Last')).toEqual(['in', 'after']);
  });

  it('reads the edge-deployment machine as it runs', () => {
    const arnOf = (key: string) => `arn:aws:lambda:us-east-1:000000000000:function:${key}`;
    const { first, after } = nextFunctions(definitionOf('edgeDeployment', arnOf) as never, (t) =>
      String(
        String(t.Resource).endsWith('.waitForTaskToken')
          ? (t.Parameters as { FunctionName: string }).FunctionName
          : t.Resource,
      )
        .split(':')
        .pop(),
    );
    expect(first).toEqual(['resolveModel']);
    expect(after.get('Deploy To Twin')).toEqual(['checkDeployment']);
    expect(after.get('Request Approval')).toEqual(['checkStillCurrent']);
    expect(after.get('Check Wave')).toEqual(['watchWave']);
    expect(after.get('Watch Wave')).toEqual([
      'completeFleetRollout',
      'startWave',
      'checkDeployment',
    ]);
    expect(after.get('Complete Fleet Rollout')).toEqual(['startWave', 'recordResult']);
  });
});
