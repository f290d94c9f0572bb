import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { dataContractMarkdown } from '../src/contract-doc.js';

test('docs/data-contract.md is generated from the current schema (npm run docs:generate)', () => {
  assert.equal(readFileSync(new URL('../../docs/data-contract.md', import.meta.url), 'utf8'), dataContractMarkdown());
});
