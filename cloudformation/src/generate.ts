/**
 * Writes cloudformation/usage-report.yaml from the usage model, after validating it. With
 * `--check`, writes nothing and exits 1 when the checked-in file differs from a fresh render.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { relative } from 'node:path';
import { renderTemplate } from './render.js';
import { buildTemplate } from './template.js';
import { DEFAULT_TEMPLATE_PATH, validateTemplate } from './validate.js';

function main(argv: string[]): number {
  const shown = relative(process.cwd(), DEFAULT_TEMPLATE_PATH);
  const template = buildTemplate();
  const problems = validateTemplate(template);
  if (problems.length > 0) {
    for (const problem of problems) console.error(`generated template: ${problem}`);
    return 1;
  }
  const rendered = renderTemplate(template);
  if (argv.includes('--check')) {
    const current = existsSync(DEFAULT_TEMPLATE_PATH) ? readFileSync(DEFAULT_TEMPLATE_PATH, 'utf8') : '';
    if (current !== rendered) {
      console.error(`${shown} is out of date with the usage model: run npm run cfn:generate`);
      return 1;
    }
    console.log(`${shown} is up to date`);
    return 0;
  }
  writeFileSync(DEFAULT_TEMPLATE_PATH, rendered);
  console.log(`wrote ${shown}`);
  return 0;
}

process.exitCode = main(process.argv.slice(2));
