/**
 * A dependency built on its first use and kept for the container's life. For an SDK client
 * that few invocations need: imported inside `build`, its module is evaluated on that first
 * use instead of in every cold start's Init. A build that fails is not kept: the next call
 * builds again.
 */
export const onFirstUse = <T>(build: () => Promise<T>): (() => Promise<T>) => {
  let built: Promise<T> | undefined;
  return () => {
    built ??= build().catch((error: unknown) => {
      built = undefined;
      throw error;
    });
    return built;
  };
};
