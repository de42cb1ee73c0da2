import type { Figures, RankingAnswer } from '@gridgov/projection-api';
import { describe, expect, it } from 'vitest';
import type { Bulletin } from './bulletin.ts';
import { bulletinHtml } from './bulletin-document.ts';

const figures = (reported: number, closureRate: number | null): Figures => ({
  reported,
  dispatched: reported,
  registered: reported,
  closed: 0,
  closureRate,
  closedOnTime: 0,
  onTimeClosureRate: closureRate,
  overdue: 1,
  reworkRate: closureRate === null ? null : 0,
  extensionRate: null,
  escalated: 0,
  meanHandlingHours: null,
});
const town = (code: string, name: string) => ({ code, name, level: 'town' as const });

function bulletin(rows: RankingAnswer['rows'], daily?: Bulletin['daily']): Bulletin {
  return {
    month: '2026-11',
    area: { code: '440705', name: '新会区', level: 'district' },
    frozenAt: '2026-12-01T01:00:00.000Z',
    frozenBy: 'schedule',
    ranking: {
      area: { code: '440705', name: '新会区', level: 'district' },
      window: { kind: 'month', id: 'm2026-11' },
      scope: { category: null, department: null },
      weights: { closure: 0.4, onTime: 0.4, rework: 0.2 },
      bottom: 1,
      rows,
      noData: [{ area: town('440705003', '沙堆镇'), figures: figures(0, null) }],
    },
    daily,
  };
}

describe('the bulletin document', () => {
  const rows: RankingAnswer['rows'] = [
    { rank: 1, area: town('440705001', '会城街道'), score: 1, bottom: false, figures: figures(4, 1) },
    { rank: 2, area: town('440705002', '<script>alert(1)</script>镇'), score: 0.5, bottom: true, figures: figures(2, 0.5) },
  ];

  it('names the 末位, holds a table per child, and escapes every name it was given', () => {
    const html = bulletinHtml(bulletin(rows, [{ date: '2026-11-01', reported: 3, closed: 1 }]));
    expect(html).toContain('新会区2026年11月网格化服务管理月通报');
    expect(html).toContain('本月末位：&lt;script&gt;alert(1)&lt;/script&gt;镇');
    expect(html).not.toContain('<script>');
    expect(html.match(/<section class="child">/g)).toHaveLength(3);
    for (const label of ['上报数', '立案数', '结案率', '按期结案率', '返工率', '超期数']) expect(html).toContain(`<th>${label}</th>`);
    expect(html).toContain('冻结于 2026-12-01T09:00:00+08:00');
    expect(html).toContain('<svg');
    expect(html).toContain('@page');
    expect(html).not.toContain('本通报冻结时未保存每日数据');
  });

  it('says when none is 末位, and when its chart shows today’s figures rather than the frozen ones', () => {
    const html = bulletinHtml(bulletin([{ ...rows[0]!, bottom: false }]), [{ date: '2026-11-01', reported: 0, closed: 0 }]);
    expect(html).toContain('本月无末位');
    expect(html).toContain('本通报冻结时未保存每日数据');
  });
});
