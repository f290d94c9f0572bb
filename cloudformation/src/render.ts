/**
 * Serialises a template to YAML with CloudFormation's short-form tags (`!Ref`, `!Sub`, `!If` ...).
 */
import { Document, isScalar, isSeq, Pair, Scalar, YAMLMap, YAMLSeq, type Node } from 'yaml';
import { TEMPLATE_COMMENTS } from './comments.js';
import { intrinsicOf, SHORT_FORM_TAGS, type IntrinsicCall } from './intrinsics.js';

export const GENERATED_HEADER = [
  ' Generated from the usage model by cloudformation/src/generate.ts: do not edit by hand.',
  ' Regenerate:  npm run cfn:generate      Check it is current:  npm run cfn:generate -- --check',
  ' Validate:    npm run cfn:validate      (offline, against the CloudFormation resource schemas)',
].join('\n');

/** Lists whose items read best one per line (`- { Name: gpu, Type: double, Comment: ... }`). */
const ONE_LINE_ITEMS_UNDER = new Set(['Columns', 'PartitionKeys']);

/** Functions whose list items are conditions, where `{ Condition: name }` is itself a function. */
const CONDITION_LIST_FUNCTIONS = new Set(['Fn::And', 'Fn::Or', 'Fn::Not']);

interface RenderContext {
  doc: Document;
  comments: Readonly<Record<string, string>>;
}

export function renderTemplate(template: object, comments: Readonly<Record<string, string>> = TEMPLATE_COMMENTS): string {
  // YAML 1.1 quoting: strings such as "yes", "on" or "2012-10-17" stay strings for 1.1 parsers too.
  const doc = new Document(null, { version: '1.1' });
  doc.contents = toNode(template, [], { doc, comments }, false);
  doc.commentBefore = GENERATED_HEADER;
  return doc.toString({ lineWidth: 0 });
}

function toNode(value: unknown, path: string[], context: RenderContext, inConditionList: boolean): Node {
  const call = intrinsicOf(value, inConditionList);
  if (call) return intrinsicNode(call, path, context);
  if (Array.isArray(value)) {
    const seq = new YAMLSeq();
    seq.items = value.map((item, index) => toNode(item, [...path, String(index)], context, inConditionList));
    if (ONE_LINE_ITEMS_UNDER.has(path.at(-1) ?? '')) {
      for (const item of seq.items) if (item instanceof YAMLMap && item.items.every((p) => isScalar(p.value))) item.flow = true;
    }
    return seq;
  }
  if (value !== null && typeof value === 'object') {
    const map = new YAMLMap();
    for (const [key, item] of Object.entries(value)) {
      const keyNode = new Scalar(key);
      const comment = context.comments[[...path, key].join('.')];
      if (comment) keyNode.commentBefore = ` ${comment}`;
      // A blank line between sections, and between the entries of each section.
      if (path.length <= 1 && map.items.length > 0) keyNode.spaceBefore = true;
      map.items.push(new Pair(keyNode, toNode(item, [...path, key], context, false)));
    }
    return map;
  }
  return context.doc.createNode(value);
}

function intrinsicNode(call: IntrinsicCall, path: string[], context: RenderContext): Node {
  const tag = SHORT_FORM_TAGS[call.name];
  const { argument } = call;
  if (tag && call.name === 'Fn::GetAtt' && isStringPair(argument)) {
    const scalar = new Scalar(`${argument[0]}.${argument[1]}`);
    scalar.tag = tag;
    return scalar;
  }
  const inner = toNode(argument, path, context, CONDITION_LIST_FUNCTIONS.has(call.name));
  if (!tag || inner.tag) {
    // YAML cannot put two tags on one node (`!Base64 !Sub ...`): fall back to the long form.
    const map = new YAMLMap();
    map.items.push(new Pair(new Scalar(call.name), inner));
    return map;
  }
  inner.tag = tag;
  if (isSeq(inner) && inner.items.every(isFlowItem)) inner.flow = true;
  return inner;
}

function isStringPair(value: unknown): value is [string, string] {
  return Array.isArray(value) && value.length === 2 && value.every((v) => typeof v === 'string');
}

function isFlowItem(item: unknown): boolean {
  return isScalar(item) || (isSeq(item) && item.flow === true);
}
