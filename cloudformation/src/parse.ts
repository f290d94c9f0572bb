/**
 * Reads a CloudFormation YAML template, turning short-form tags back into long-form functions.
 */
import { isAlias, isMap, isScalar, isSeq, parseDocument, type Document } from 'yaml';
import { SHORT_FORM_TAGS } from './intrinsics.js';

const FUNCTION_OF_TAG: ReadonlyMap<string, string> = new Map(
  Object.entries(SHORT_FORM_TAGS).map(([name, tag]) => [tag, name]),
);

export function parseTemplate(text: string): Record<string, unknown> {
  // Read as YAML 1.1, the stricter reading: an unquoted `yes`, `on` or `2012-10-17` shows up as the
  // boolean or date an older parser would make of it, and the validator then reports it.
  const doc = parseDocument(text, { version: '1.1', uniqueKeys: true, prettyErrors: false });
  const [error] = doc.errors;
  if (error) throw new Error(`invalid YAML: ${error.message}`);
  const value = toValue(doc.contents, doc);
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new Error('invalid template: the document is not a mapping');
  }
  return value as Record<string, unknown>;
}

function toValue(node: unknown, doc: Document): unknown {
  if (node === null || node === undefined) return null;
  if (isAlias(node)) return toValue(node.resolve(doc), doc);
  let value: unknown;
  if (isMap(node)) {
    value = Object.fromEntries(
      node.items.map((pair) => [String(isScalar(pair.key) ? pair.key.value : pair.key), toValue(pair.value, doc)]),
    );
  } else if (isSeq(node)) {
    value = node.items.map((item) => toValue(item, doc));
  } else if (isScalar(node)) {
    value = node.value;
  } else {
    throw new Error('invalid YAML: unsupported node');
  }
  const tag = (node as { tag?: string }).tag;
  if (!tag?.startsWith('!')) return value;
  const name = FUNCTION_OF_TAG.get(tag);
  if (!name) throw new Error(`unknown YAML tag ${tag}`);
  if (name === 'Fn::GetAtt' && typeof value === 'string' && value.includes('.')) {
    // `!GetAtt Resource.Attribute`: logical ids have no dots, attribute names may.
    const dot = value.indexOf('.');
    return { [name]: [value.slice(0, dot), value.slice(dot + 1)] };
  }
  return { [name]: value };
}
