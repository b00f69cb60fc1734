import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import type { Emulator } from '../../emulator/emulator';
import { controlOf, startLocalEmulator } from '../helpers/local-mode';
import { until } from '../helpers/until';

const ROOT = join(__dirname, '../..');
const event = JSON.parse(readFileSync(join(ROOT, 'events/model-package-approved.json'), 'utf8'));
const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };

let emulator: Emulator;
beforeAll(async () => {
  emulator = await startLocalEmulator();
}, 60_000);
afterAll(() => emulator.close());

describe('local mode: people receive what the stack sends (subscriptions from config/local.yml)', () => {
  it('delivers each approver only their own signed link', async () => {
    // Prepare
    const control = controlOf(emulator.url);
    await control('seed', { event });
    // Act
    await control('deliver', { event });
    const requests = await until('both approval requests', async () => {
      const sent = emulator.world.sns.filter((m) => m.attributes.approver);
      return sent.length >= 2 ? sent : undefined;
    });
    // Assess
    expect(requests.map((m) => m.attributes.approver).sort()).toEqual([
      'alice@example.com',
      'bob@example.com',
    ]);
    for (const m of requests) {
      expect(m.deliveredTo).toEqual([m.attributes.approver]);
      expect(m.message).toContain(`approver=${encodeURIComponent(m.attributes.approver!)}`);
    }
  }, 120_000);

  it('delivers an alarm on the operations topic to the ops contact', async () => {
    // Prepare
    const sns = new SNSClient({ endpoint: emulator.url, region: 'us-east-1', credentials });
    const opsTopic = emulator.resources.OpsTopic!.ref;
    // Act: what CloudWatch publishes when an alarm fires
    await sns.send(new PublishCommand({ TopicArn: opsTopic, Message: 'ALARM: ExecutionsFailed' }));
    // Assess
    const alarm = emulator.world.sns.find((m) => m.message === 'ALARM: ExecutionsFailed');
    expect(alarm?.deliveredTo).toEqual(['sre@example.com']);
  });
});
