/**
 * GeoReport v2's XML: the JSON answer written out by the Spark convention (http://wiki.open311.org/JSON_and_XML_Conversion):
 * an array is an element whose children are its items, each named by the singular of the array's name; an object's
 * fields are child elements in order; null is an empty element. Schemaless, no namespace, UTF-8 with its declaration.
 */
export type XmlValue = string | number | boolean | null | undefined | readonly XmlValue[] | { readonly [field: string]: XmlValue };

/** The item element of each array GeoReport v2 answers with. */
const ITEM_OF: Readonly<Record<string, string>> = {
  services: 'service',
  service_requests: 'request',
  attributes: 'attribute',
  values: 'value',
  errors: 'error',
};

/** Characters XML 1.0 cannot hold at all (C0 controls but tab, newline and CR; FFFE and FFFF): dropped. */
const NOT_XML = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/g;

/** Text of an element (there are no attributes): &, < and > escaped, quotes left as the spec's examples write them. */
export function escapeXml(text: string): string {
  return text.replace(NOT_XML, '').replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function element(name: string, value: XmlValue, indent: string): string {
  if (value === null || value === undefined) return `${indent}<${name}/>`;
  if (Array.isArray(value)) {
    const item = ITEM_OF[name];
    if (!item) throw new Error(`xml: no item element known for the array ${name}`);
    if (value.length === 0) return `${indent}<${name}/>`;
    return `${indent}<${name}>\n${value.map((v) => element(item, v as XmlValue, `${indent}  `)).join('\n')}\n${indent}</${name}>`;
  }
  if (typeof value === 'object') {
    const fields = Object.entries(value).filter(([, v]) => v !== undefined);
    if (fields.length === 0) return `${indent}<${name}/>`;
    return `${indent}<${name}>\n${fields.map(([k, v]) => element(k, v, `${indent}  `)).join('\n')}\n${indent}</${name}>`;
  }
  return `${indent}<${name}>${escapeXml(String(value))}</${name}>`;
}

/** A whole document: the declaration and `root` holding `value` (an array's items, or an object's fields). */
export function xmlDocument(root: string, value: XmlValue): string {
  return `<?xml version="1.0" encoding="utf-8"?>\n${element(root, value, '')}\n`;
}
