import type { ReactNode } from 'react';
import type { AreaRef, RankingAnswer, UnrankedRow } from '../api/types.ts';
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
            <Row
              key={row.area.code}
              row={row}
              onDrill={onDrill}
              className={row.bottom ? 'bottom' : ''}
              rank={String(row.rank)}
              score={(row.score * 100).toFixed(1)}
              tag={row.bottom && <span className="tag tag-bottom">{t('ranking.bottom')}</span>}
            />
          ))}
        </tbody>
        {ranking.noData.length > 0 && (
          <tbody className="no-data" data-testid="ranking-no-data">
            <tr className="section">
              <th colSpan={7}>{t('ranking.noData')}</th>
            </tr>
            {ranking.noData.map((row) => (
              <Row
                key={row.area.code}
                row={row}
                onDrill={onDrill}
                className="muted"
                rank="—"
                score={t('figure.none')}
                tag={<span className="tag">{t('ranking.noData')}</span>}
              />
            ))}
          </tbody>
        )}
      </table>
    </div>
  );
}

/** One child: its rank, name (and tag), score and the figures the score is made of; a click opens it. */
function Row({
  row,
  onDrill,
  className,
  rank,
  score,
  tag,
}: {
  row: UnrankedRow;
  onDrill: (area: AreaRef) => void;
  className: string;
  rank: string;
  score: string;
  tag: ReactNode;
}) {
  const { t } = useI18n();
  return (
    <tr
      className={`clickable ${className}`.trim()}
      onClick={() => onDrill(row.area)}
      title={t('ranking.drill', { name: row.area.name })}
      data-area={row.area.code}
    >
      <td>{rank}</td>
      <td>
        {row.area.name}
        {tag}
      </td>
      <td className="num">{score}</td>
      <td className="num">{percent(row.figures.closureRate)}</td>
      <td className="num">{percent(row.figures.onTimeClosureRate)}</td>
      <td className="num">{percent(row.figures.reworkRate)}</td>
      <td className="num">{row.figures.overdue}</td>
    </tr>
  );
}
