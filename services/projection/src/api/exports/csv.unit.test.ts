import { describe, expect, it } from 'vitest';
import { csvText, toCsv } from './csv.ts';
import type { ExportTable } from './table.ts';

describe('CSV exports', () => {
  it('makes text a spreadsheet would run as a formula inert, and quotes what needs quoting', () => {
    expect(csvText('=HYPERLINK("http://evil","点我")')).toBe(`"'=HYPERLINK(""http://evil"",""点我"")"`);
    expect(csvText('+86 10')).toBe("'+86 10");
    expect(csvText('-1')).toBe("'-1");
    expect(csvText('@SUM(A1)')).toBe("'@SUM(A1)");
    expect(csvText('\t=1')).toBe("'\t=1");
    expect(csvText('会城街道')).toBe('会城街道');
    expect(csvText('a,b')).toBe('"a,b"');
    expect(csvText('two\nlines')).toBe('"two\nlines"');
  });

  it('writes a BOM, Chinese headers, codes, numbers as numbers and rates as percentages, CRLF', () => {
    const table: ExportTable = {
      name: 't',
      title: 't',
      about: [],
      columns: [
        { header: '区域', code: 'area.name', kind: 'text' },
        { header: '上报数', code: 'reported', kind: 'integer' },
        { header: '结案率', code: 'closureRate', kind: 'rate' },
        { header: '综合得分', code: 'score', kind: 'decimal' },
      ],
      rows: [
        ['=1+1', 12, 1 / 3, 0.6500000000000001],
        ['大泽镇', 0, null, null],
      ],
    };
    expect(toCsv(table)).toBe(
      '\uFEFF区域,上报数,结案率,综合得分\r\narea.name,reported,closureRate,score\r\n' + "'=1+1,12,33.33%,0.65\r\n大泽镇,0,,\r\n",
    );
  });
});
