/**
 * How a wave's deployment is named: a rollback recognises this run's deployments by it. A
 * file of its own, so Roll Back Fleet takes the name without Start Wave's input schema.
 */
export const waveDeploymentName = (
  plan: { modelPackageGroupName: string; modelPackageVersion: number },
  fleet: string,
  wave: string,
) => `edge-mlops ${plan.modelPackageGroupName} v${plan.modelPackageVersion} ${fleet}/${wave}`;
