/**
 * The one clock type every core reads. Handlers inject the system clock; tests and local mode
 * inject their own, so "now" is never read behind a core's back.
 */
export type Clock = () => Date;

export const systemClock: Clock = () => new Date();
