import { formatSummary } from '../../../cli/simulate';
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

  it('says nothing about IAM or alarms when all is well', () => {
    // Act
    const text = formatSummary(summary({}));
    // Assess
    expect(text).not.toMatch(/Access denied|Warning: alarm|dropped/);
  });
});
