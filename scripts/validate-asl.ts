import validator from 'asl-validator';
import { definitionOf, type MachineKey, STATE_MACHINES } from '../statemachines/definition';

/**
 * `npm run validate:asl`: validates what is deployed — each state machine as generated from
 * its template and the error taxonomy — not the template (whose `Errors` fields are not ASL).
 */
const fakeArn = (key: string) => `arn:aws:lambda:us-east-1:123456789012:function:validate-${key}`;
let failed = false;
for (const machine of Object.keys(STATE_MACHINES) as MachineKey[]) {
  const { isValid, errors } = validator(definitionOf(machine, fakeArn), { checkPaths: true });
  console.log(`${STATE_MACHINES[machine]} (generated): ${isValid ? 'valid' : 'INVALID'}`);
  for (const error of errors) console.log(`  ${JSON.stringify(error)}`);
  failed ||= !isValid;
}
process.exitCode = failed ? 1 : 0;
