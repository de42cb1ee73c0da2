import type { ReactNode } from 'react';
import type { Me } from '../api/types.ts';
import { useI18n } from '../i18n/context.tsx';

/** The header of every page; `bell` (signed in) is the inbox's bell with the unread count. */
export function Header({ me, onSignOut, bell }: { me?: Me; onSignOut?: () => void; bell?: ReactNode }) {
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
        {bell}
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
