import { en } from './en.ts';
import { zh, type MessageKey } from './zh.ts';

export type Lang = 'zh' | 'en';
export type { MessageKey };

export const DICTIONARIES: Readonly<Record<Lang, Readonly<Record<MessageKey, string>>>> = { zh, en };

export type Translate = (key: MessageKey, params?: Readonly<Record<string, string | number>>) => string;

/** The message of `key` in `lang`, each {name} replaced by params.name (left as is when not given). */
export function translator(lang: Lang): Translate {
  const dictionary = DICTIONARIES[lang];
  return (key, params) =>
    dictionary[key].replace(/\{(\w+)\}/g, (whole, name: string) => (params && name in params ? String(params[name]) : whole));
}

export const LANG_STORAGE_KEY = 'gridgov.console.lang';

export function storedLang(storage: Pick<Storage, 'getItem'>): Lang {
  return storage.getItem(LANG_STORAGE_KEY) === 'en' ? 'en' : 'zh';
}
