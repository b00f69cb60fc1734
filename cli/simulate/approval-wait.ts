import { control } from './control';
import type { EventFile } from './event-file';

/**
 * The approval as `simulate` meets it: the approvers' links and deadline, read from the
 * messages request-approval published, and — when a person decides in a terminal — a
 * simulated clock slowed to real time while they do, so a 72-hour window is 72 hours.
 */
export type ApprovalNotice = { links: string[]; deadline?: string };

/** Every approver's link to this version's approval (one message each) and the deadline. */
export const approvalNotice = (
  sns: { subject?: string; message: string }[],
  event: EventFile,
): ApprovalNotice | undefined => {
  const subject = `Approve ${event.detail.ModelPackageGroupName} v${event.detail.ModelPackageVersion} `;
  const messages = sns.filter(
    (m) => m.subject?.startsWith(subject) && /https?:\/\/\S+\/approvals\//.test(m.message),
  );
  const links = [
    ...new Set(
      messages.map((m) => /(https?:\/\/\S+\/approvals\/\S+)/.exec(m.message)?.[1] as string),
    ),
  ];
  if (!links.length) return undefined;
  const deadline = /Decide before: (\S+)/.exec(messages[0]!.message)?.[1];
  return { links, ...(deadline ? { deadline } : {}) };
};

/** The deadline in UTC and in this computer's time zone. */
export const formatDeadline = (iso: string) => {
  const local = new Date(iso).toLocaleString(undefined, {
    year: 'numeric',
    month: 'short',
    day: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
    timeZoneName: 'short',
  });
  return `${iso} (${local})`;
};

/**
 * Runs the emulator's clock at `factor` (1 = real time) while a person decides, with the time
 * warp off (a jump would eat their window); returns what puts the previous rate and warp back.
 * Through the control API, so it works with --endpoint too.
 */
export const slowClockWhileWaiting = async (endpoint: string, factor: number) => {
  const { clockFactor: previous, warp } = await control(endpoint, 'options', {});
  await control(endpoint, 'options', { clockFactor: factor, warp: false });
  let restored = false;
  return {
    previous: Number(previous),
    restore: async () => {
      if (restored) return;
      restored = true;
      await control(endpoint, 'options', { clockFactor: previous, warp: Boolean(warp) });
    },
  };
};

/** How far the simulated clock is ahead of this computer's, in words. */
export const aheadOfWallClock = (virtualNowIso: string) => {
  const minutes = Math.round((Date.parse(virtualNowIso) - Date.now()) / 60_000);
  if (Math.abs(minutes) < 1) return 'in step with this computer';
  const h = Math.floor(Math.abs(minutes) / 60);
  const m = Math.abs(minutes) % 60;
  return `${h ? `${h} h ` : ''}${m} min ${minutes > 0 ? 'ahead of' : 'behind'} this computer`;
};
