import { targetClientsFactory } from '../../../functions/shared/assume-role';
import { greengrassClient, iotClient } from '../../../functions/shared/clients';

describe('targetClientsFactory', () => {
  const own = { greengrass: greengrassClient(), iot: iotClient() };
  const clientsFor = targetClientsFactory(own);

  it('uses our own clients when the target names no role', () => {
    // Act
    const clients = clientsFor(undefined);
    // Assess
    expect(clients).toBe(own);
  });

  it("builds one set of clients per role, with that role's credentials and an IoT data client", async () => {
    // Act
    const first = clientsFor('arn:aws:iam::111122223333:role/deployer');
    const again = clientsFor('arn:aws:iam::111122223333:role/deployer');
    const other = clientsFor('arn:aws:iam::444455556666:role/deployer');
    // Assess
    expect(again).toBe(first);
    expect(other).not.toBe(first);
    expect(first.greengrass).not.toBe(own.greengrass);
    expect(first.iotData).toBeDefined();
    expect(typeof first.greengrass.config.credentials).toBe('function');
  });
});
