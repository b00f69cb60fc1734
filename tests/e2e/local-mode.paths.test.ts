import { deploymentsByTarget, runSimulation } from '../helpers/local-mode';

/**
 * The real ASL and the real handlers against the local emulator, one test per path.
 * Each run is a fresh emulator on a free loopback port.
 */
describe('local mode: the pipeline end to end', () => {
  it('HappyPath: an approved model reaches every production fleet', async () => {
    // Act
    const s = await runSimulation({ approve: true });
    // Assess
    expect(s.status).toBe('SUCCEEDED');
    expect(s.statesVisited).toEqual(
      expect.arrayContaining([
        'Resolve Model',
        'Build Targets',
        'Register Model Component',
        'Deploy To Twin',
        'Run Twin Tests',
        'Request Approval',
        'Roll Out Fleets',
        'Record Result',
      ]),
    );
    expect(s.resourcesCreated.compilationJobs).toEqual([
      'edge-local-defect-detector-v7-jetson-xavier',
      'edge-local-defect-detector-v7-rpi4',
    ]);
    expect(s.resourcesCreated.componentVersions).toEqual([
      'com.example.defectdetector.model@1.0.7',
      'com.example.defectdetector.inference@1.4.0',
    ]);
    expect(deploymentsByTarget(s)).toEqual({
      'defect-detector-twin': 1,
      'factory-jetson-canary': 1,
      'factory-jetson-main': 1,
      'field-rpi': 1,
    });
    expect(s.approval?.httpStatus).toBe(200);
    expect(s.notifications).toContain('[edge-mlops local] defect-detector v7 deployed');
    expect(s.deadLetters).toBe(0);
  }, 120_000);

  it('CompilationFails: SageMaker reason in the cause, nothing registered or deployed', async () => {
    // Act
    const s = await runSimulation({
      approve: true,
      compileFailure: 'ClientError: InputConfiguration: unsupported operator aten::foo',
    });
    // Assess
    expect(s.status).toBe('FAILED');
    expect(s.error).toBe('CompilationFailed');
    expect(s.cause).toContain('unsupported operator aten::foo');
    expect(s.statesVisited).toContain('Record Failure');
    expect(s.resourcesCreated.componentVersions).toEqual([]);
    expect(s.resourcesCreated.deployments).toEqual([]);
  });

  it('TwinTestsFail: a bad model never reaches production', async () => {
    // Act
    const s = await runSimulation({ approve: true, badModel: true });
    // Assess
    expect(s.status).toBe('FAILED');
    expect(s.error).toBe('TwinTestsFailed');
    expect(s.cause).toMatch(/inference-smoke: accuracy [0-9.]+ < 0.75/);
    expect(s.statesVisited).not.toContain('Request Approval');
    expect(deploymentsByTarget(s)).toEqual({ 'defect-detector-twin': 1 });
  });

  it('ApprovalRejected: a rejection on the page stops before production', async () => {
    // Act
    const s = await runSimulation({ reject: true });
    // Assess
    expect(s.status).toBe('FAILED');
    expect(s.error).toBe('ApprovalRejected');
    expect(s.cause).toMatch(
      /^rejected by alice@example\.com at .*: rejected from edge-mlops simulate$/,
    );
    expect(deploymentsByTarget(s)).toEqual({ 'defect-detector-twin': 1 });
    // (The failed execution also raises the ops alarm, which notifies too.)
    expect(s.notifications).toContain('[edge-mlops local] defect-detector v7 rejected at approval');
  });

  it('ApprovalTimesOut: nobody decides, nothing reaches production', async () => {
    // Act
    const s = await runSimulation({ approvalTimeout: true });
    // Assess
    expect(s.status).toBe('FAILED');
    expect(s.error).toBe('ApprovalTimedOut');
    expect(s.statesVisited).toContain('Approval Timed Out');
    expect(deploymentsByTarget(s)).toEqual({ 'defect-detector-twin': 1 });
  });

  it('WaveAbortTriggersRollback: a failing canary is cancelled and rolled back', async () => {
    // Act (this seed keeps the single twin device healthy and fails canary devices)
    const s = await runSimulation({
      approve: true,
      deviceFailureRate: 0.3,
      fleetSize: 20,
      seed: 'edge-mlops',
    });
    // Assess
    expect(s.status).toBe('FAILED');
    expect(s.error).toBe('RolloutAborted');
    expect(s.cause).toContain('wave canary of fleet factory-jetson ABORTED');
    expect(s.cause).toContain(
      'rolled back factory-jetson canary: removed the model (no earlier release)',
    );
    expect(s.statesVisited).toEqual(
      expect.arrayContaining(['Roll Back Fleets', 'Check Rollback', 'Record Failure']),
    );
    expect(deploymentsByTarget(s)).toEqual({
      'defect-detector-twin': 1,
      'factory-jetson-canary': 2,
    });
  }, 120_000);
});
