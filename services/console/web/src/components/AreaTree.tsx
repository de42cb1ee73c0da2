import { useEffect, useState } from 'react';
import type { ApiClient } from '../api/client.ts';
import type { AreaDetail, AreaRef } from '../api/types.ts';
import { useI18n } from '../i18n/context.tsx';

interface NodeProps {
  readonly api: ApiClient;
  readonly area: AreaRef;
  readonly selected: string;
  readonly onSelect: (area: AreaRef) => void;
  readonly depth: number;
}

/** One area: a button that selects it and, above grid level, one that opens its children (read when first opened). */
function AreaNode({ api, area, selected, onSelect, depth }: NodeProps) {
  const { t } = useI18n();
  const [open, setOpen] = useState(depth === 0);
  const [children, setChildren] = useState<readonly AreaRef[] | undefined>();
  const [error, setError] = useState<string | undefined>();
  const leaf = area.level === 'grid';

  const wanted = open && !leaf && children === undefined;
  useEffect(() => {
    if (!wanted) return;
    let current = true;
    api.get<AreaDetail>('intake', `/v1/areas/${encodeURIComponent(area.code)}`).then(
      (detail) => current && setChildren(detail.children),
      (err: unknown) => current && setError(err instanceof Error ? err.message : String(err)),
    );
    return () => {
      current = false;
    };
  }, [api, area.code, wanted]);

  return (
    <li className="tree-node">
      <div className={`tree-row${selected === area.code ? ' tree-selected' : ''}`} style={{ paddingLeft: `${depth * 14}px` }}>
        {leaf ? (
          <span className="tree-toggle" />
        ) : (
          <button
            type="button"
            className="tree-toggle"
            aria-label={open ? t('leader.collapse') : t('leader.expand')}
            onClick={() => setOpen(!open)}
          >
            {open ? '▾' : '▸'}
          </button>
        )}
        <button type="button" className="tree-label" data-area={area.code} onClick={() => onSelect(area)}>
          {area.name}
          <small>{t(`level.${area.level}`)}</small>
        </button>
      </div>
      {error && <p className="error small">{error}</p>}
      {open && children && children.length > 0 && (
        <ul>
          {children.map((c) => (
            <AreaNode key={c.code} api={api} area={c} selected={selected} onSelect={onSelect} depth={depth + 1} />
          ))}
        </ul>
      )}
    </li>
  );
}

/** The areas the user may read, from their own down to the grids. */
export function AreaTree({
  api,
  roots,
  selected,
  onSelect,
}: {
  api: ApiClient;
  roots: readonly AreaRef[];
  selected: string;
  onSelect: (area: AreaRef) => void;
}) {
  return (
    <ul className="tree" data-testid="area-tree">
      {roots.map((r) => (
        <AreaNode key={r.code} api={api} area={r} selected={selected} onSelect={onSelect} depth={0} />
      ))}
    </ul>
  );
}
