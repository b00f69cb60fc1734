import { runSimulation } from '../helpers/local-mode';

/**
 * The closed loop (docs/monitoring.md): the released model runs on the simulated fleet, its
 * inference component captures to S3, detectDrift scores each fleet per window, and on
 * sustained drift the retraining pipeline starts once; the retrained version it registers is
 * approved and flows through the same pipeline to the fleets.
 */
describe('local mode: capture, drift detection, retraining', () => {
  it('starts retraining exactly once on sustained drift, and releases the retrained version', async () => {
    // Act: config/local.yml: threshold 0.1, two drifted windows in a row, 24 h cooldown
    const s = await runSimulation({ approve: true, drift: 0.5, timeoutSeconds: 300 });
    // Assess
    expect(s.status).toBe('SUCCEEDED');
    expect(s.accessDenied).toEqual([]);
    const d = s.drift!;
    expect(d.captureRecords).toBeGreaterThan(0);
    expect(d.windows.map((w) => w.retraining)).toEqual(['not-needed', 'started', 'cooldown']);
    for (const w of d.windows) {
      expect(w.fleets.map((f) => f.fleet)).toEqual(['factory-jetson', 'field-rpi']);
      for (const f of w.fleets) expect(f.score).toBeGreaterThan(0.1);
    }
    expect(d.retrainingStarted).toBe(1);
    expect(s.awsCalls['sagemaker.StartPipelineExecution']).toBe(1);
    expect(s.awsCalls['monitoring.PutMetricData']).toBe(3);
    expect(d.retraining).toMatchObject({ registeredVersion: 8, release: { status: 'SUCCEEDED' } });
    expect(s.resourcesCreated.componentVersions).toEqual(
      expect.arrayContaining([
        'com.example.defectdetector.model@1.0.7',
        'com.example.defectdetector.model@1.0.8',
      ]),
    );
  });

  it('starts nothing when the field looks like the baseline', async () => {
    // Act
    const s = await runSimulation({ approve: true, drift: 0 });
    // Assess
    expect(s.status).toBe('SUCCEEDED');
    const d = s.drift!;
    expect(d.windows.map((w) => w.retraining)).toEqual(['not-needed', 'not-needed', 'not-needed']);
    for (const w of d.windows) for (const f of w.fleets) expect(f.score).toBeLessThan(0.1);
    expect(d.retrainingStarted).toBe(0);
    expect(d.retraining).toBeUndefined();
    expect(s.awsCalls['sagemaker.StartPipelineExecution']).toBeUndefined();
  });
});
