import { z } from 'zod';

/**
 * Offline devices of a fleet's waves, carried from wave to wave in `$.wave` so the fleet's
 * result names them all: `<device> (<wave>)`. They are neither successes nor failures; a
 * thing-group deployment is continuous, so each gets the release when it comes back.
 */
const WaveSoFar = z
  .object({
    waveName: z.string().optional(),
    offlineEarlier: z.array(z.string()).optional(),
    devices: z
      .object({ offline: z.array(z.string()).optional() })
      .passthrough()
      .optional(),
  })
  .passthrough();

export const offlineSoFar = (rawInput: unknown): string[] => {
  const parsed = z.object({ wave: WaveSoFar.optional() }).passthrough().safeParse(rawInput);
  const wave = parsed.success ? parsed.data.wave : undefined;
  if (!wave) return [];
  const these = (wave.devices?.offline ?? []).map((d) => `${d} (${wave.waveName ?? '?'})`);
  return [...(wave.offlineEarlier ?? []), ...these];
};
