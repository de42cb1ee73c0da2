export { HolidayData, HolidayPeriod, HolidayYear, LocalDateText } from './holidays.ts';
export { DEFAULT_OFFICE_HOURS, OfficeHours, OfficePeriod } from './office-hours.ts';
export type { ExcludedInterval, InstantInput } from './intervals.ts';
export { WorkingCalendar, type WorkingCalendarOptions } from './working-calendar.ts';
