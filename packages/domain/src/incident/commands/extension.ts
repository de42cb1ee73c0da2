import { type CaseTurn, type CommandData, iso, rejection } from '../decision.ts';
import type { Rejection } from '../rejection.ts';

/** 延期申请: the department asks for more handling time, before the handling deadline. */
export function requestExtension(data: CommandData<'RequestExtension'>, { s, actor, t, out }: CaseTurn): Rejection | undefined {
  if (s.pendingExtension) return rejection('EXTENSION_PENDING', 'an extension request is already waiting for a dispatcher');
  // Past the deadline is too late whether or not a timer has marked it missed yet.
  const handling = s.clocks.find((c) => c.stage === 'handling');
  if (handling && (handling.missed || handling.due <= t)) {
    return rejection('EXTENSION_TOO_LATE', 'the handling deadline has passed; ask before it does');
  }
  out.emit('ExtensionRequested', data, actor, t);
  return undefined;
}

/** A dispatcher grants the waiting request: the handling deadline moves by the amount asked, in its own measure. */
export function approveExtension(_data: CommandData<'ApproveExtension'>, { s, actor, ctx, t, out }: CaseTurn): Rejection | undefined {
  const pending = s.pendingExtension;
  const handling = s.clocks.find((c) => c.stage === 'handling');
  if (!pending || !handling) return rejection('NO_EXTENSION_PENDING', 'no extension request is waiting');
  const { ms, measure } = ctx.time.toMs(pending);
  const newDue = ctx.time.add(handling.due, ms, measure, s.suspensions);
  out.emit('ExtensionApproved', { previousDue: iso(handling.due), handlingDue: iso(newDue) }, actor, t);
  return undefined;
}

/** A dispatcher turns the waiting request down. */
export function denyExtension(data: CommandData<'DenyExtension'>, { s, actor, t, out }: CaseTurn): Rejection | undefined {
  if (!s.pendingExtension) return rejection('NO_EXTENSION_PENDING', 'no extension request is waiting');
  out.emit('ExtensionDenied', { reason: data.reason }, actor, t);
  return undefined;
}
