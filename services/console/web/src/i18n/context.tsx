import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from 'react';
import { LANG_STORAGE_KEY, storedLang, translator, type Lang, type Translate } from './translate.ts';

interface I18n {
  readonly lang: Lang;
  readonly t: Translate;
  readonly toggle: () => void;
}

const I18nContext = createContext<I18n | undefined>(undefined);

/** The language: 中文 unless English was chosen on this device (remembered in localStorage). */
export function I18nProvider({ children }: { children: ReactNode }) {
  const [lang, setLang] = useState<Lang>(() => storedLang(localStorage));
  const toggle = useCallback(() => {
    setLang((current) => {
      const next: Lang = current === 'zh' ? 'en' : 'zh';
      localStorage.setItem(LANG_STORAGE_KEY, next);
      return next;
    });
  }, []);
  useEffect(() => {
    document.documentElement.lang = lang === 'zh' ? 'zh-CN' : 'en';
  }, [lang]);
  const value = useMemo(() => ({ lang, t: translator(lang), toggle }), [lang, toggle]);
  return <I18nContext.Provider value={value}>{children}</I18nContext.Provider>;
}

export function useI18n(): I18n {
  const i18n = useContext(I18nContext);
  if (!i18n) throw new Error('useI18n outside I18nProvider');
  return i18n;
}
