/**
 * Offline CloudFormation template validation against the resource provider schemas bundled in
 * `@aws-cdk/aws-service-spec`. As a command: `cfn:validate [template.yaml]` prints one problem
 * per line and exits 1 when it finds any.
 */
import { readFileSync } from 'node:fs';
import { relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseTemplate } from './parse.js';
import { checkGlueTables } from './validation/glue-tables.js';
import { checkParameters } from './validation/parameters.js';
import { isPlainObject, Problems } from './validation/problems.js';
import { checkReferences } from './validation/references.js';
import { checkResources } from './validation/resources.js';
import { checkSections } from './validation/sections.js';
import { resourceSpecs } from './validation/spec.js';
import { indexTemplate } from './validation/template-index.js';

export const DEFAULT_TEMPLATE_PATH = fileURLToPath(new URL('../usage-report.yaml', import.meta.url));

/** Every problem found, as `Dotted.Path: message`; empty when the template is valid. */
export function validateTemplate(template: object): string[] {
  const problems = new Problems();
  if (!isPlainObject(template)) {
    problems.add([], 'a template must be an object');
    return problems.list;
  }
  const specs = resourceSpecs();
  const index = indexTemplate(template);
  checkSections(template, index, problems);
  checkParameters(template, problems);
  checkResources(template, index, specs, problems);
  checkReferences(template, index, specs, problems);
  checkGlueTables(template, problems);
  return problems.list;
}

function main(argv: string[]): number {
  const path = argv[0] ?? DEFAULT_TEMPLATE_PATH;
  const shown = relative(process.cwd(), path) || path;
  let problems: string[];
  try {
    problems = validateTemplate(parseTemplate(readFileSync(path, 'utf8')));
  } catch (error) {
    console.error(`${shown}: ${(error as Error).message}`);
    return 1;
  }
  for (const problem of problems) console.error(`${shown}: ${problem}`);
  if (problems.length > 0) return 1;
  console.log(`${shown}: valid`);
  return 0;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.exitCode = main(process.argv.slice(2));
}
