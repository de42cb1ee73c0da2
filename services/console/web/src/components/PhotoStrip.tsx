import { useI18n } from '../i18n/context.tsx';

/**
 * Minimal stand-in with the contract's name and props (the photos helper's PhotoStrip replaces it on merge, fetching
 * each photo with the bearer token from GET /v1/incidents/:id/photos/:key): here, how many photos the case holds.
 */
export function PhotoStrip({ incidentId, photos }: { incidentId: string; photos: { key: string }[] }) {
  const { t } = useI18n();
  if (photos.length === 0) return null;
  return (
    <div className="photo-strip" data-incident={incidentId} data-testid="photos">
      {t('photos.count', { count: photos.length })}
    </div>
  );
}
