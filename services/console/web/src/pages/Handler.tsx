import { useI18n } from '../i18n/context.tsx';

/** Handlers (处置单位) work elsewhere for now: the console says so rather than show them nothing. */
export function HandlerPage() {
  const { t } = useI18n();
  return (
    <section className="card">
      <h1>{t('handler.title')}</h1>
      <p>{t('handler.notYet')}</p>
    </section>
  );
}
