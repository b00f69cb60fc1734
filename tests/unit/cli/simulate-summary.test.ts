import { deliveriesLine } from '../../../cli/deliveries';
import { formatSummary } from '../../../cli/simulate';
import { fleetOutcomesOf } from '../../../cli/sre/fleet-outcomes';
import { emptySummary } from '../../helpers/summary';

/** What the human summary of `edge-mlops simulate` says about IAM refusals and lost alarms. */
const summary = emptySummary;

describe('simulate summary', () => {
  it('warns about each alarm whose notifications cannot be delivered, and counts dropped ones', () => {
    // Act
    const text = formatSummary(
      summary({
        undeliverableAlarms: [
          { alarm: 'DeadLettersAlarm', topicArn: 'arn:aws:sns:us-east-1:0:ops', reason: 'why' },
        ],
        alarmNotificationsDropped: 2,
      }),
    );
    // Assess
    expect(text).toContain(
      'Warning: alarm DeadLettersAlarm notifies arn:aws:sns:us-east-1:0:ops, but why',
    );
    expect(text).toContain('Alarm notifications dropped: 2');
  });

  it('lists calls refused by IAM with AWS message', () => {
    // Act
    const text = formatSummary(
      summary({
        accessDenied: [
          { service: 'dynamodb', operation: 'GetItem', message: 'User: x is not authorized' },
        ],
      }),
    );
    // Assess
    expect(text).toContain('Access denied (IAM): 1 call(s)');
    expect(text).toContain('dynamodb.GetItem: User: x is not authorized');
  });

  it('counts the function invocations and the cold starts among them', () => {
    // Act
    const text = formatSummary(summary({ functionInvocations: { total: 31, coldStarts: 17 } }));
    // Assess
    expect(text).toContain('Function invocations: 31 (17 cold starts)');
  });

  it('says nothing about IAM or alarms when all is well', () => {
    // Act
    const text = formatSummary(summary({}));
    // Assess
    expect(text).not.toMatch(/Access denied|Warning: alarm|dropped/);
  });
});

describe('what the deliveries came to', () => {
  const arn = (name: string) =>
    `arn:aws:states:us-east-1:000000000000:execution:edge-mlops-local-edge-deployment:${name}`;

  it('says three deliveries of one approval made one execution', () => {
    // Act
    const line = deliveriesLine([
      { decision: 'started', executionArn: arn('v7'), executionName: 'v7' },
      { decision: 'duplicate', executionArn: arn('v7'), executionName: 'v7' },
      { decision: 'duplicate', executionArn: arn('v7'), executionName: 'v7' },
    ]);
    // Assess
    expect(line).toBe('Deliveries: 3 deliveries → 1 execution (started 1, duplicate 2)');
  });

  it('names the rollback execution a Rejected event started, and dead letters', () => {
    // Act
    const line = deliveriesLine([
      { decision: 'rejected', rollbackExecutionArn: arn('v7-rollback') },
      { error: { name: 'InvalidEvent' }, deadLettered: true },
    ]);
    // Assess
    expect(line).toBe(
      'Deliveries: 2 deliveries → 0 executions (rejected 1, dead-lettered 1); rollback execution v7-rollback started',
    );
  });

  it('is part of the summary', () => {
    expect(
      formatSummary(
        emptySummary({ deliveries: [{ decision: 'started', executionArn: arn('v7') }] }),
      ),
    ).toContain('Deliveries: 1 delivery → 1 execution (started 1)');
  });
});

describe('what the run did to each fleet', () => {
  const exited = (name: string, output: unknown) => ({
    type: 'TaskStateExited' as const,
    timestamp: new Date(),
    id: 1,
    stateExitedEventDetails: { name, output: JSON.stringify(output) },
  });

  it('says which fleets got the version, with their offline devices', () => {
    // Prepare
    const { fleets } = fleetOutcomesOf([
      exited('Complete Fleet Rollout', {
        fleet: 'factory-jetson',
        status: 'DEPLOYED',
        offline: ['factory-jetson-main-02 (main)'],
      }),
      exited('Complete Fleet Rollout', { fleet: 'field-rpi', status: 'DEPLOYED', offline: [] }),
    ]);
    // Act
    const text = formatSummary(emptySummary({ fleets }));
    // Assess
    expect(text).toContain(
      'Fleets: factory-jetson DEPLOYED (offline: factory-jetson-main-02 (main)), field-rpi DEPLOYED',
    );
  });

  it('says which fleets were rolled back, and when none was reached', () => {
    // Prepare
    const aborted = fleetOutcomesOf([
      exited('Check Rollback', {
        rollback: { done: true, fleets: [{ fleet: 'factory-jetson' }], cause: 'restored v6' },
      }),
    ]);
    const rejected = fleetOutcomesOf([
      exited('Roll Back Rejected Release', {
        rolledBack: { fleets: [{ fleet: 'field-rpi', restoredVersion: 7 }] },
      }),
    ]);
    // Act / Assess
    expect(formatSummary(emptySummary({ fleets: aborted.fleets }))).toContain(
      'Fleets: factory-jetson ROLLED BACK',
    );
    expect(aborted).toMatchObject({ rolledBack: true, rollbackCause: 'restored v6' });
    expect(formatSummary(emptySummary({ fleets: rejected.fleets }))).toContain(
      'Fleets: field-rpi ROLLED BACK to v7',
    );
    expect(formatSummary(emptySummary({}))).toContain('Fleets: none reached');
  });
});
