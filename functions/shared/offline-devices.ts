import * as z from './zod-mini';

/**
 * Offline devices of a fleet's waves, carried from wave to wave in `$.wave` so the fleet's
 * result names them all: `<device> (<wave>)`. They are neither successes nor failures; a
 * thing-group deployment is continuous, so each gets the release when it comes back.
 */
const WaveSoFar = z.looseObject({
  waveName: z.optional(z.string()),
  offlineEarlier: z.optional(z.array(z.string())),
  devices: z.optional(z.looseObject({ offline: z.optional(z.array(z.string())) })),
});

export const offlineSoFar = (rawInput: unknown): string[] => {
  const parsed = z.safeParse(z.looseObject({ wave: z.optional(WaveSoFar) }), rawInput);
  const wave = parsed.success ? parsed.data.wave : undefined;
  if (!wave) return [];
  const these = (wave.devices?.offline ?? []).map((d) => `${d} (${wave.waveName ?? '?'})`);
  return [...(wave.offlineEarlier ?? []), ...these];
};
