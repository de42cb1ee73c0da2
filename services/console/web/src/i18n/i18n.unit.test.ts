import { describe, expect, it } from 'vitest';
import { DICTIONARIES, storedLang, translator, type MessageKey } from './translate.ts';

const placeholders = (text: string) => [...text.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();

describe('the dictionaries', () => {
  const zh = DICTIONARIES.zh;
  const en = DICTIONARIES.en;

  it('have the same keys in both languages, none empty', () => {
    expect(Object.keys(en).sort()).toEqual(Object.keys(zh).sort());
    for (const [lang, dictionary] of Object.entries(DICTIONARIES)) {
      for (const [key, text] of Object.entries(dictionary)) expect(text.trim(), `${lang}:${key}`).not.toBe('');
    }
  });

  it('take the same placeholders in both languages', () => {
    for (const key of Object.keys(zh) as MessageKey[]) expect(placeholders(en[key]), key).toEqual(placeholders(zh[key]));
  });

  it('speak Chinese unless English was chosen', () => {
    expect(storedLang({ getItem: () => null })).toBe('zh');
    expect(storedLang({ getItem: () => 'fr' })).toBe('zh');
    expect(storedLang({ getItem: () => 'en' })).toBe('en');
    expect(translator('zh')('figure.closureRate')).toBe('结案率');
    expect(translator('en')('figure.closureRate')).toBe('Closure rate');
  });

  it('fill in placeholders, and leave unknown ones visible', () => {
    expect(translator('zh')('action.rejected', { message: 'SAME_DEPARTMENT' })).toBe('未受理：SAME_DEPARTMENT');
    expect(translator('en')('report.attempts', { count: 3 })).toBe('3 tries');
    expect(translator('en')('report.attempts')).toBe('{count} tries');
  });
});
