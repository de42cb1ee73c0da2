import { HolidayData, stageTimeOf, WorkingCalendar, type DeadlinePolicy, type StageTime } from '@gridgov/domain';
import { readJsonFile } from '@gridgov/runtime';
import type { WorkerConfig } from './config.ts';

const DEFAULT_HOLIDAYS = new URL('../../../data/calendars/cn-public-holidays.json', import.meta.url);

/** What deadlines are computed with: the configured policy and the working calendar (office hours, holiday notices). */
export interface Deadlines {
  readonly policy: DeadlinePolicy;
  readonly time: StageTime;
  readonly calendar: WorkingCalendar;
}

type DeadlineConfig = Pick<
  WorkerConfig,
  | 'HOLIDAYS_FILE'
  | 'OFFICE_HOURS'
  | 'DEADLINE_DISPATCH'
  | 'DEADLINE_SIGN_FOR'
  | 'DEADLINE_VERIFICATION'
  | 'ESCALATION_EVERY'
  | 'WARNING_FRACTIONS'
> &
  Partial<Pick<WorkerConfig, 'RETENTION_DAYS'>>;

/** Reads the holiday notices (HOLIDAYS_FILE, else the repository's) and builds the policy from the configuration. */
export async function loadDeadlines(config: DeadlineConfig): Promise<Deadlines> {
  const holidays = HolidayData.parse(await readJsonFile(config.HOLIDAYS_FILE ?? DEFAULT_HOLIDAYS, 'HOLIDAYS_FILE'));
  const calendar = new WorkingCalendar({ holidays, officeHours: config.OFFICE_HOURS });
  return {
    calendar,
    time: stageTimeOf(calendar),
    policy: {
      dispatch: config.DEADLINE_DISPATCH,
      signFor: config.DEADLINE_SIGN_FOR,
      verification: config.DEADLINE_VERIFICATION,
      escalationEvery: config.ESCALATION_EVERY,
      warningFractions: config.WARNING_FRACTIONS,
      ...(config.RETENTION_DAYS === undefined ? {} : { retentionMs: config.RETENTION_DAYS * 86_400_000 }),
    },
  };
}
