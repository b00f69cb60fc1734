import type { StageConfig } from '../../functions/shared/stage-config/schema';
import { BASELINE_COMPONENTS } from '../fleet';
import { createDeployment } from '../services/greengrass';
import type { World } from '../world';

/**
 * The simulated devices behind every target the stage configuration names: one device per
 * twin group, `fleetSize` per production group, a thing for a thing target. Each already
 * runs the plant's baseline components before edge-mlops touches it.
 */
export const provisionFleet = (world: World, config: StageConfig, fleetSize: number) => {
  const { fleet } = world;
  const profiles = Object.values(config.modelGroups);
  const targets = new Set<string>();
  for (const profile of profiles) {
    targets.add(profile.twin.targetArn);
    for (const f of profile.fleets) for (const w of f.waves) targets.add(w.targetArn);
  }
  for (const arn of targets) {
    const name = arn.slice(arn.indexOf('/') + 1);
    const twin = profiles.some((p) => p.twin.targetArn === arn);
    // Devices belong to the account their target names (the twin's, a fleet's).
    const account = arn.split(':')[4]!;
    if (/:thing\//.test(arn)) {
      const taken = fleet.accountOf(name);
      if (taken && taken !== account)
        throw new Error(
          `thing ${name} is configured in accounts ${taken} and ${account}: the emulator needs thing names unique across accounts`,
        );
      fleet.things.set(name, { name, arn, account, twin });
    } else if (fleet.groups.get(name)?.account !== account) {
      fleet.addGroup(name, twin ? 1 : fleetSize, name, twin, account);
    }
    createDeployment(
      world,
      { targetArn: arn, deploymentName: 'plant baseline', components: BASELINE_COMPONENTS },
      { healthy: true },
    );
  }
};
