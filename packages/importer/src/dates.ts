/** A legacy date reader for the mapping's formats and UTC offset: text → epoch ms, or undefined when it does not read. */
export type DateReader = (text: string) => number | undefined;

const TOKENS: Record<string, { readonly pattern: string; readonly field: 'y' | 'mo' | 'd' | 'h' | 'mi' | 's' }> = {
  YYYY: { pattern: '(\\d{4})', field: 'y' },
  MM: { pattern: '(\\d{1,2})', field: 'mo' },
  DD: { pattern: '(\\d{1,2})', field: 'd' },
  HH: { pattern: '(\\d{1,2})', field: 'h' },
  mm: { pattern: '(\\d{1,2})', field: 'mi' },
  ss: { pattern: '(\\d{1,2})', field: 's' },
};

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** One format as a regular expression and the field each group fills. The time part (from HH on) may be left out. */
function compile(format: string): { readonly re: RegExp; readonly fields: readonly string[] } {
  const fields: string[] = [];
  let source = '';
  let timeStart = -1;
  for (let i = 0; i < format.length;) {
    const token = Object.keys(TOKENS).find((t) => format.startsWith(t, i));
    if (token) {
      if (token === 'HH' && timeStart < 0) timeStart = source.length;
      source += TOKENS[token]!.pattern;
      fields.push(TOKENS[token]!.field);
      i += token.length;
    } else {
      source += escape(format[i]!);
      i += 1;
    }
  }
  if (timeStart >= 0) {
    // Whatever separates the date from HH, and the time itself, are optional together.
    let cut = timeStart;
    while (cut > 0 && !source.slice(0, cut).endsWith(')')) cut--;
    source = `${source.slice(0, cut)}(?:${source.slice(cut)})?`;
  }
  return { re: new RegExp(`^${source}$`), fields };
}

/** Reads dates in any of `formats`, as local times at `utcOffset` (`+08:00`); checks the date exists (no 2月30日). */
export function dateReader(formats: readonly string[], utcOffset: string): DateReader {
  const compiled = formats.map(compile);
  const sign = utcOffset.startsWith('-') ? -1 : 1;
  const offsetMs = sign * (Number(utcOffset.slice(1, 3)) * 60 + Number(utcOffset.slice(4, 6))) * 60_000;
  return (text) => {
    const value = text.trim();
    for (const { re, fields } of compiled) {
      const m = re.exec(value);
      if (!m) continue;
      const got: Record<string, number> = { y: 0, mo: 1, d: 1, h: 0, mi: 0, s: 0 };
      fields.forEach((f, i) => {
        if (m[i + 1] !== undefined) got[f] = Number(m[i + 1]);
      });
      const { y, mo, d, h, mi, s } = got as Record<'y' | 'mo' | 'd' | 'h' | 'mi' | 's', number>;
      if (h > 23 || mi > 59 || s > 59) return undefined;
      const local = Date.UTC(y, mo - 1, d, h, mi, s);
      const probe = new Date(local);
      if (probe.getUTCFullYear() !== y || probe.getUTCMonth() !== mo - 1 || probe.getUTCDate() !== d) return undefined;
      return local - offsetMs;
    }
    return undefined;
  };
}
