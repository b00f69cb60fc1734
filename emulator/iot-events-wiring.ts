import type { VirtualClock } from './clock';
import type { Fleet } from './fleet';
import { IotJobEvents, jobEventRules } from './iot-events';
import { LOCAL_ACCOUNT } from './local-stage';
import type { ServiceDeclaration } from './serverless-service';
import type { World } from './world';

/**
 * The stack's job-event rules (serverless.yml) on the emulator's jobs. The deploy applies
 * `custom.iotEventConfigurations` in the stack's account (scripts/serverless/
 * stage-resources.cjs); local mode does the same at start. Other accounts keep JOB events
 * off, as a new account does.
 */
export const iotJobEventsOf = (deps: {
  world: World;
  clock: VirtualClock;
  fleet: Fleet;
  service: ServiceDeclaration;
  declared: Record<string, { Type: string; Properties?: Record<string, any> }>;
  fireAndForget: (key: string, event: unknown) => void;
}) => {
  const events = new IotJobEvents({
    world: deps.world,
    clock: deps.clock,
    fleet: deps.fleet,
    declared: deps.declared,
    rules: jobEventRules(deps.declared, Object.keys(deps.service.functions)),
    stackAccount: LOCAL_ACCOUNT,
    invokeAsync: deps.fireAndForget,
  });
  const settings = (deps.service.raw.custom as { iotEventConfigurations?: Record<string, unknown> })
    ?.iotEventConfigurations;
  if (settings?.JOB === true) events.enableJobEvents(LOCAL_ACCOUNT);
  return events;
};
