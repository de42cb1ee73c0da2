import type { Me } from '../api/types.ts';
import { useI18n } from '../i18n/context.tsx';

export function Header({ me, onSignOut }: { me?: Me; onSignOut?: () => void }) {
  const { t, toggle } = useI18n();
  return (
    <header className="header">
      <div className="brand">
        <span className="brand-title">{t('app.title')}</span>
        <span className="brand-sub">{t('app.subtitle')}</span>
      </div>
      <div className="header-tools">
        {me && (
          <span className="who" data-testid="who">
            <span className="role">{t(`role.${me.actor.role}`)}</span>
            <span className="user">{me.actor.id}</span>
            <span className="areas">{me.actor.areas.map((a) => a.name ?? a.code).join('、')}</span>
          </span>
        )}
        <button type="button" className="link" onClick={toggle} aria-label={t('lang.label')} data-testid="lang-toggle">
          {t('lang.switch')}
        </button>
        {onSignOut && (
          <button type="button" className="link" onClick={onSignOut} data-testid="sign-out">
            {t('signout')}
          </button>
        )}
      </div>
    </header>
  );
}
