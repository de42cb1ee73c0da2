import type { AreaRef, RankingAnswer } from '../api/types.ts';
import { percent } from '../format.ts';
import { useI18n } from '../i18n/context.tsx';

/** The children of an area with figures, best first, 末位 in red; then those without figures apart (无数据, never red); a row opens that child. */
export function RankingTable({ ranking, onDrill }: { ranking: RankingAnswer; onDrill: (area: AreaRef) => void }) {
  const { t } = useI18n();
  return (
    <div className="table-wrap">
      <table className="table ranking" data-testid="ranking">
        <thead>
          <tr>
            <th>{t('ranking.rank')}</th>
            <th>{t('ranking.area')}</th>
            <th className="num">{t('ranking.score')}</th>
            <th className="num">{t('figure.closureRate')}</th>
            <th className="num">{t('figure.onTimeClosureRate')}</th>
            <th className="num">{t('figure.reworkRate')}</th>
            <th className="num">{t('figure.overdue')}</th>
          </tr>
        </thead>
        <tbody className="ranked">
          {ranking.rows.map((row) => (
            <tr
              key={row.area.code}
              className={`clickable${row.bottom ? ' bottom' : ''}`}
              onClick={() => onDrill(row.area)}
              title={t('ranking.drill', { name: row.area.name })}
              data-area={row.area.code}
            >
              <td>{row.rank}</td>
              <td>
                {row.area.name}
                {row.bottom && <span className="tag tag-bottom">{t('ranking.bottom')}</span>}
              </td>
              <td className="num">{(row.score * 100).toFixed(1)}</td>
              <td className="num">{percent(row.figures.closureRate)}</td>
              <td className="num">{percent(row.figures.onTimeClosureRate)}</td>
              <td className="num">{percent(row.figures.reworkRate)}</td>
              <td className="num">{row.figures.overdue}</td>
            </tr>
          ))}
        </tbody>
        {ranking.noData.length > 0 && (
          <tbody className="no-data" data-testid="ranking-no-data">
            <tr className="section">
              <th colSpan={7}>{t('ranking.noData')}</th>
            </tr>
            {ranking.noData.map((row) => (
              <tr
                key={row.area.code}
                className="clickable muted"
                onClick={() => onDrill(row.area)}
                title={t('ranking.drill', { name: row.area.name })}
                data-area={row.area.code}
              >
                <td>—</td>
                <td>
                  {row.area.name}
                  <span className="tag">{t('ranking.noData')}</span>
                </td>
                <td className="num">{t('figure.none')}</td>
                <td className="num">{percent(row.figures.closureRate)}</td>
                <td className="num">{percent(row.figures.onTimeClosureRate)}</td>
                <td className="num">{percent(row.figures.reworkRate)}</td>
                <td className="num">{row.figures.overdue}</td>
              </tr>
            ))}
          </tbody>
        )}
      </table>
    </div>
  );
}
