import { onFirstUse } from '../../../functions/shared/on-first-use';

describe('onFirstUse', () => {
  it('builds nothing until the first use, then the same value for every later one', async () => {
    // Prepare
    const build = jest.fn(async () => ({ client: 'cloudwatch' }));
    const client = onFirstUse(build);
    // Act
    const built = build.mock.calls.length;
    const [first, second] = await Promise.all([client(), client()]);
    const third = await client();
    // Assess
    expect(built).toBe(0);
    expect(build).toHaveBeenCalledTimes(1);
    expect(second).toBe(first);
    expect(third).toBe(first);
  });

  it('builds again after a failed build instead of keeping the failure', async () => {
    // Prepare
    const build = jest
      .fn<Promise<string>, []>()
      .mockRejectedValueOnce(new Error('module failed to load'))
      .mockResolvedValueOnce('client');
    const client = onFirstUse(build);
    // Act / Assess
    await expect(client()).rejects.toThrow('module failed to load');
    await expect(client()).resolves.toBe('client');
    expect(build).toHaveBeenCalledTimes(2);
  });
});
