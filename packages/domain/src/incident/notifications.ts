import type { GridEvent, Notification, Stage } from '@gridgov/contracts';
import type { AreaTree } from '../areas/area-tree.ts';
import type { Catalog } from '../catalog/categories.ts';
import { SHANGHAI_OFFSET_MS } from '../time/windows.ts';
import type { Incident } from './state.ts';
import { communityOf } from './view.ts';

const STAGE_NAMES: Record<Stage, string> = { dispatch: '派遣', sign_for: '签收', handling: '处置', verification: '核查' };

const pad = (n: number) => String(n).padStart(2, '0');

/** Local time in Asia/Shanghai, for messages: 11月22日 17:30. */
function local(iso: string): string {
  const d = new Date(Date.parse(iso) + SHANGHAI_OFFSET_MS);
  return `${d.getUTCMonth() + 1}月${d.getUTCDate()}日 ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}`;
}

/** 剩余约3.5小时 / 剩余约2个工作日, as the stage's deadline is set. */
function remainingText(remaining: { amount: number; unit: 'hours' | 'working_days' } | undefined): string {
  if (!remaining) return '';
  return remaining.unit === 'working_days' ? `剩余约${remaining.amount}个工作日，` : `剩余约${remaining.amount}小时，`;
}

/**
 * The notifications an event gives rise to, with their recipients and Chinese text.
 * `state` is the incident after the event. A confidential category never names its reporter here, nor its grid (one
 * staff member's): its texts name the grid's community.
 */
export function notificationsFor(event: GridEvent, state: Incident, areas: AreaTree, catalog: Catalog): Notification[] {
  const category = catalog.categoryName(state.category);
  const named = catalog.isConfidential(state.category) ? communityOf(state.gridCode, areas) : state.gridCode;
  const grid = areas.find(named)?.name ?? named;
  const department = state.department ?? undefined;
  const base = {
    notificationId: event.metadata.eventId,
    incidentId: event.metadata.incidentId,
    at: event.metadata.occurredAt,
    urgency: state.urgency,
  };
  const caseName = `${grid}「${category}」案件`;
  switch (event.type) {
    case 'IncidentDispatched':
    case 'IncidentReassigned':
      return [
        {
          ...base,
          recipient: { role: 'handler', department: event.data.department },
          kind: 'dispatched',
          message: `新派遣：${caseName}，请于${local(event.data.signForDue)}前签收，${local(event.data.handlingDue)}前处置完毕。`,
        },
      ];
    case 'DeadlineWarned': {
      const stage = STAGE_NAMES[event.data.stage];
      const recipient =
        event.data.stage === 'verification'
          ? { role: 'grid_staff' as const, area: state.gridCode }
          : event.data.stage === 'dispatch'
            ? { role: 'dispatcher' as const, area: state.gridCode }
            : { role: 'handler' as const, ...(department ? { department } : {}) };
      return [
        {
          ...base,
          recipient,
          kind: 'warning',
          message: `临期预警：${caseName}${stage}时限已过${Math.round(event.data.fraction * 100)}%，${remainingText(event.data.remaining)}截止${local(event.data.due)}。`,
        },
      ];
    }
    case 'DeadlineMissed':
      return event.data.stage === 'handling' || event.data.stage === 'sign_for'
        ? [
            {
              ...base,
              recipient: { role: 'handler', ...(department ? { department } : {}) },
              kind: 'overdue',
              message: `超期提醒：${caseName}${STAGE_NAMES[event.data.stage]}已超期（截止${local(event.data.due)}）。`,
            },
          ]
        : [];
    case 'IncidentEscalated': {
      const area = areas.find(event.data.area)?.name ?? event.data.area;
      return [
        {
          ...base,
          recipient: { role: 'leader', area: event.data.area },
          kind: 'escalated',
          message: `督办：${caseName}${event.data.manual ? '由指挥中心督办' : '超期未办结'}，已升级至${area}（第${event.data.level}级）。`,
        },
      ];
    }
    case 'IncidentReturned':
      return [
        {
          ...base,
          recipient: { role: 'dispatcher', area: state.gridCode },
          kind: 'returned',
          message: `退回：${caseName}被退回，原因：${event.data.reason}。`,
        },
      ];
    case 'IncidentReworkRequested':
      return [
        {
          ...base,
          recipient: { role: 'handler', ...(department ? { department } : {}) },
          kind: 'rework',
          message: `返工：${caseName}核查未通过，请于${local(event.data.handlingDue)}前重新处置。`,
        },
      ];
    case 'IncidentResolved':
      return [
        {
          ...base,
          recipient: { role: 'grid_staff', area: state.gridCode },
          kind: 'resolved',
          message: `待核查：${caseName}已处置，请于${local(event.data.verificationDue)}前现场核查。`,
        },
      ];
    case 'IncidentClosed':
      return closureNotices(base, state, catalog, `结案：您上报的${caseName}已处置完毕并经核查结案。`);
    default:
      return [];
  }
}

/**
 * 结案 told to whoever reported the case, and to the reporter of every duplicate merged into it (ADR 0032): each by
 * their own id. Not for a confidential category (the notice would name its reporter on grid.notifications), nor a
 * citizen's report (their app asks the Open311 door), nor a reporter erased.
 */
function closureNotices(
  base: Pick<Notification, 'notificationId' | 'incidentId' | 'at' | 'urgency'>,
  state: Incident,
  catalog: Catalog,
  message: string,
): Notification[] {
  if (catalog.isConfidential(state.category)) return [];
  const people = [state.reporterId, ...(state.duplicates ?? []).map((d) => d.reporterId)];
  const told = [...new Set(people)].filter((id) => id !== '' && !id.startsWith('open311:'));
  return told.map((person) => ({ ...base, recipient: { role: 'grid_staff', person }, kind: 'closed', message }));
}
