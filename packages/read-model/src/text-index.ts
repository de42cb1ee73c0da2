/**
 * Free-text search of a case's description and address (ADR 0015): character bigrams, Chinese and Latin alike.
 * The text is normalised (NFKC, lower case) and cut into runs of letters and digits; every bigram of a run is an
 * index entry, and a run of one character is its own entry. A query is cut the same way: a case matches when its
 * text holds every run of the query (AND of terms, each a substring). The bigrams find the candidates; the
 * stored normalised text decides exactly, so a candidate whose bigrams merely all occur somewhere is left out.
 */

const RUN = /[\p{L}\p{N}]+/gu;

/** The runs of letters and digits of `text`, normalised (NFKC, lower case). */
export function textRuns(text: string): string[] {
  return text.normalize('NFKC').toLowerCase().match(RUN) ?? [];
}

/** What the index stores of a case's text: its runs joined by a space, so no query run matches across two. */
export function searchableText(...parts: readonly (string | undefined)[]): string {
  return parts.flatMap((p) => (p === undefined ? [] : textRuns(p))).join(' ');
}

/** The index entries of a searchable text (see `searchableText`): each run's bigrams, or the run itself if one character. */
export function textTokens(searchable: string): string[] {
  const out = new Set<string>();
  for (const run of searchable.split(' ')) {
    const chars = [...run];
    if (chars.length === 1) out.add(chars[0]!);
    for (let i = 0; i + 1 < chars.length; i++) out.add(chars[i]! + chars[i + 1]!);
  }
  out.delete('');
  return [...out];
}

/** A parsed text query: the runs a case's text must all hold, and the index entries that find its candidates. */
export interface TextQuery {
  readonly runs: readonly string[];
  readonly tokens: readonly string[];
}

/** At least one run of two characters or more: a query of single characters only would need a unigram index. */
export const MIN_QUERY_RUN = 2;

/** Parses a text query; undefined when no run of it has MIN_QUERY_RUN characters (such a query is refused). */
export function textQuery(q: string): TextQuery | undefined {
  const runs = [...new Set(textRuns(q))];
  if (!runs.some((r) => [...r].length >= MIN_QUERY_RUN)) return undefined;
  // Single-character runs are only checked on the text: their own entries hold every case where they stand alone.
  return { runs, tokens: textTokens(runs.filter((r) => [...r].length >= MIN_QUERY_RUN).join(' ')) };
}

/** Whether a searchable text (see `searchableText`) holds every run of the query. */
export function textMatches(searchable: string, query: TextQuery): boolean {
  const runs = searchable.split(' ');
  return query.runs.every((q) => runs.some((r) => r.includes(q)));
}
