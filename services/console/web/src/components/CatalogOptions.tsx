import { useCatalog } from '../catalog.ts';
import { useI18n } from '../i18n/context.tsx';

/** The `<option>`s of the catalog's categories or departments, named in the page's language. */
export function CatalogOptions({ of }: { of: 'categories' | 'departments' }) {
  const { lang } = useI18n();
  const catalog = useCatalog();
  const name = (code: string) => (of === 'categories' ? catalog.categoryName(code, lang) : catalog.departmentName(code, lang));
  return (
    <>
      {catalog[of].map((item) => (
        <option key={item.code} value={item.code}>
          {name(item.code)}
        </option>
      ))}
    </>
  );
}
