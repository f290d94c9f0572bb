// Writes docs/data-contract.md from the usage model; `--check` fails when the file is stale.
import { readFileSync, writeFileSync } from 'node:fs';
import { dataContractMarkdown } from '@hyperpod-usage/model';

const target = new URL('../docs/data-contract.md', import.meta.url);
const fresh = dataContractMarkdown();
if (process.argv.includes('--check')) {
  const current = readFileSync(target, 'utf8');
  if (current !== fresh) {
    console.error('docs/data-contract.md is stale: run npm run docs:generate');
    process.exit(1);
  }
} else {
  writeFileSync(target, fresh);
  console.log('wrote docs/data-contract.md');
}
