/**
 * Canonical JSON of a JSON value: object keys sorted (by UTF-16 code units), no whitespace, numbers and
 * strings as JSON.stringify writes them (RFC 8785's rules for the values these contracts hold). Two
 * parties that agree on a value agree on its bytes, so a signature over them can be checked.
 *
 * Written as one string built up in place (every command the intake signs and the worker checks passes through it):
 * no arrays of parts made, filtered and joined at each level.
 */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') {
    const text = JSON.stringify(value);
    // undefined, functions and symbols have no JSON form; inside objects they are left out, as JSON.stringify does.
    if (text === undefined) throw new TypeError(`canonicalJson: ${typeof value} has no JSON form`);
    return text;
  }
  if (Array.isArray(value)) {
    let out = '[';
    for (let i = 0; i < value.length; i++) {
      const item: unknown = value[i];
      // A missing or undefined item is null, as JSON.stringify writes it.
      out += (i === 0 ? '' : ',') + (item === undefined ? 'null' : canonicalJson(item));
    }
    return `${out}]`;
  }
  const record = value as Record<string, unknown>;
  let out = '{';
  for (const key of Object.keys(record).sort()) {
    const field = record[key];
    if (field === undefined) continue;
    out += `${out.length === 1 ? '' : ','}${JSON.stringify(key)}:${canonicalJson(field)}`;
  }
  return `${out}}`;
}
