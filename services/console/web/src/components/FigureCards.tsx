import type { Figures } from '../api/types.ts';
import { hours, percent } from '../format.ts';
import { useI18n } from '../i18n/context.tsx';

/** The five figures leaders are judged by, large; the counts they come from, small. */
const MAIN = [
  'closureRate',
  'onTimeClosureRate',
  'overdue',
  'reworkRate',
  'meanHandlingHours',
] as const satisfies readonly (keyof Figures)[];
const COUNTS = ['reported', 'registered', 'closed', 'escalated'] as const satisfies readonly (keyof Figures)[];
type FigureName = (typeof MAIN)[number] | (typeof COUNTS)[number];

export function FigureCards({ figures }: { figures: Figures | undefined }) {
  const { t } = useI18n();
  const value = (name: FigureName): string => {
    if (!figures) return t('figure.none');
    const v = figures[name];
    if (name === 'meanHandlingHours') {
      const h = hours(v);
      return h === null ? t('figure.none') : t('figure.hours', { value: h });
    }
    if (name.endsWith('Rate')) return percent(v);
    return v === null ? t('figure.none') : String(v);
  };
  const card = (name: FigureName, size: 'main' | 'count') => (
    <div
      key={name}
      className={`figure figure-${size}${name === 'overdue' && (figures?.overdue ?? 0) > 0 ? ' figure-alert' : ''}`}
      data-testid={`figure-${name}`}
    >
      <span className="figure-label">{t(`figure.${name}`)}</span>
      <span className="figure-value">{value(name)}</span>
    </div>
  );
  return (
    <div className="figures">
      <div className="figures-main">{MAIN.map((n) => card(n, 'main'))}</div>
      <div className="figures-counts">{COUNTS.map((n) => card(n, 'count'))}</div>
    </div>
  );
}
