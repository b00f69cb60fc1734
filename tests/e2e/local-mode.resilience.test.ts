import { runSimulation, startLocalEmulator } from '../helpers/local-mode';

const APPROVAL_REQUEST = 'Approve defect-detector v7 for production? (local)';
const DEPLOYED = '[edge-mlops local] defect-detector v7 deployed';

describe('local mode: delivery and API faults', () => {
  it('DuplicateDelivery: the same event delivered three times makes one execution', async () => {
    // Act
    const s = await runSimulation({ approve: true, duplicateDeliveries: 2 });
    // Assess
    expect(s.status).toBe('SUCCEEDED');
    expect(s.deliveries).toHaveLength(3);
    const arns = new Set(s.deliveries.map((d: any) => d.executionArn));
    expect([...arns]).toEqual([s.executionArn]);
    // The duplicates find the approval's execution and ask for no second start.
    expect(s.awsCalls['states.StartExecution']).toBe(1);
    expect(s.awsCalls['states.DescribeExecution']).toBeGreaterThanOrEqual(2);
    expect(s.resourcesCreated.compilationJobs).toHaveLength(2);
  }, 180_000);

  it('ApiFaults: with 20% of calls throttled or failing, the run succeeds with no duplicate resources', async () => {
    // Act
    const s = await runSimulation({ approve: true, apiFaultRate: 0.2, seed: 'faults' });
    // Assess
    expect(s.injectedFaults).toBeGreaterThan(5);
    // Where a run that did not succeed stopped, and what the approval page answered.
    expect({
      status: s.status,
      lastStates: s.statesVisited.slice(-4),
      approval: s.approval,
    }).toMatchObject({
      status: 'SUCCEEDED',
    });
    expect(s.resourcesCreated.compilationJobs).toHaveLength(2);
    expect(s.resourcesCreated.componentVersions).toEqual([
      'com.example.defectdetector.model@1.0.7',
      'com.example.defectdetector.inference@1.4.0',
    ]);
    const targets = s.resourcesCreated.deployments.map((d) => d.target);
    expect(targets).toHaveLength(4);
    expect(new Set(targets).size).toBe(4);
    expect(s.notifications).toEqual([APPROVAL_REQUEST, APPROVAL_REQUEST, DEPLOYED]);
  }, 180_000);

  it('LostAnswers: SNS accepts every Publish but its answer is lost, and each notification still goes out once', async () => {
    // Prepare: the harshest case of an ambiguous answer, on every publish of the run.
    const emulator = await startLocalEmulator({ lostAnswerOperations: ['sns.Publish'] });
    try {
      // Act
      const s = await runSimulation({ approve: true, endpoint: emulator.url });
      // Assess: one request per approver and one outcome; the senders trusted the receipts.
      expect(s.status).toBe('SUCCEEDED');
      expect(s.notifications).toEqual([APPROVAL_REQUEST, APPROVAL_REQUEST, DEPLOYED]);
      expect(s.awsCalls['sns.Publish']).toBe(3);
    } finally {
      await emulator.close();
    }
  }, 180_000);
});
