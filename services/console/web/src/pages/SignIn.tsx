import { useState, type FormEvent } from 'react';
import { useI18n } from '../i18n/context.tsx';

/** Why the sign-in page shows: a token the API refused now, or one that stopped working (a 401 later). */
export interface SignInProblem {
  readonly reason: 'failed' | 'expired';
  readonly message: string;
}

export function SignInPage({
  problem: initial,
  onSignIn,
}: {
  problem: SignInProblem | undefined;
  onSignIn: (token: string) => Promise<SignInProblem | undefined>;
}) {
  const { t } = useI18n();
  const [token, setToken] = useState('');
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<SignInProblem | undefined>(initial);

  const submit = (e: FormEvent) => {
    e.preventDefault();
    const value = token.trim().replace(/^bearer\s+/i, '');
    if (!value) return;
    setBusy(true);
    void onSignIn(value).then((p) => {
      setBusy(false);
      setProblem(p);
    });
  };

  return (
    <main className="page page-signin">
      <form className="card signin" onSubmit={submit}>
        <h1>{t('signin.title')}</h1>
        <label>
          {t('signin.token')}
          <textarea
            name="token"
            rows={5}
            value={token}
            placeholder={t('signin.placeholder')}
            onChange={(e) => setToken(e.target.value)}
            autoComplete="off"
            spellCheck={false}
          />
        </label>
        {problem && (
          <p className="error" role="alert" data-testid="signin-error">
            {t(problem.reason === 'expired' ? 'signin.expired' : 'signin.failed', { message: problem.message })}
          </p>
        )}
        <button type="submit" className="primary" disabled={busy || token.trim() === ''}>
          {busy ? t('signin.checking') : t('signin.submit')}
        </button>
        <p className="hint">{t('signin.hint')}</p>
      </form>
    </main>
  );
}
