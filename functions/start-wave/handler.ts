import { systemClock } from '../shared/clock';
import type { FleetTaskInput } from '../shared/fleet-input';
import { logger } from '../shared/logger';
import { clientsForTargets } from '../shared/target-clients';
import { withLambda } from '../shared/with-lambda';
import { startWave } from './start-wave';

const clientsFor = clientsForTargets();

export const handler = withLambda((input: FleetTaskInput) =>
  startWave(input, { clientsFor, logger, now: systemClock }),
);
