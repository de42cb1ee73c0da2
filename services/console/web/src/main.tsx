import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { loadConfig } from './api/client.ts';
import { App } from './App.tsx';
import { I18nProvider } from './i18n/context.tsx';
import { storedLang, translator } from './i18n/translate.ts';
import './styles.css';

const root = createRoot(document.getElementById('root')!);

loadConfig().then(
  (config) =>
    root.render(
      <StrictMode>
        <I18nProvider>
          <App config={config} />
        </I18nProvider>
      </StrictMode>,
    ),
  (err: unknown) => {
    const t = translator(storedLang(localStorage));
    root.render(<p className="error">{t('app.configError', { message: err instanceof Error ? err.message : String(err) })}</p>);
  },
);
