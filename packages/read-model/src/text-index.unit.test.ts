import { describe, expect, it } from 'vitest';
import { searchableText, textMatches, textQuery, textTokens } from './text-index.ts';

describe('the text index: character bigrams of the description and address', () => {
  it('keeps runs of letters and digits, normalised, one space between', () => {
    expect(searchableText('路边堆放生活垃圾，影响通行！', '同德路 12号')).toBe('路边堆放生活垃圾 影响通行 同德路 12号');
    // NFKC: full-width letters and digits are the ASCII ones; lower case.
    expect(searchableText('ＡＴＭ机 WiFi', undefined)).toBe('atm机 wifi');
  });

  it('indexes every bigram of a run, and a run of one character as itself', () => {
    expect(textTokens('井盖缺失 a')).toEqual(['井盖', '盖缺', '缺失', 'a']);
    expect(textTokens('')).toEqual([]);
  });

  it('finds a substring of two characters or more, every word of the query (AND)', () => {
    const text = searchableText('会城街道东门市场附近有人违法搭建铁皮棚', '同德路');
    const q = (s: string) => textMatches(text, textQuery(s)!);
    expect(q('会城')).toBe(true);
    expect(q('城街')).toBe(true);
    expect(q('违法搭建 同德路')).toBe(true);
    expect(q('违法 中山路')).toBe(false);
    expect(q('门市场附')).toBe(true);
    expect(q('场市')).toBe(false);
    // A word cannot match across the description and the address.
    expect(q('铁皮棚同德')).toBe(false);
    // Every bigram of the query occurs, but not together: not a match (the stored text decides).
    expect(textQuery('生活动')!.tokens).toEqual(['生活', '活动']);
    expect(textMatches(searchableText('生活垃圾', '活动中心'), textQuery('生活动')!)).toBe(false);
  });

  it('refuses a query without a run of two characters; single characters beside one are checked on the text', () => {
    expect(textQuery('垃')).toBeUndefined();
    expect(textQuery('，。 !')).toBeUndefined();
    const query = textQuery('井 盖子')!;
    expect(query.tokens).toEqual(['盖子']);
    expect(textMatches(searchableText('井盖子松动'), query)).toBe(true);
    expect(textMatches(searchableText('盖子松动'), query)).toBe(false);
  });
});
