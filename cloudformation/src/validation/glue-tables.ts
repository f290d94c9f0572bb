/**
 * Checks the schema alone cannot: an `AWS::Glue::Table` whose column repeats a partition key is
 * valid to CloudFormation but Athena rejects or misreads it, and a projected table needs a
 * projection type for every partition key and a location template that names each of them.
 */
import { isPlainObject, type Problems } from './problems.js';
import { sectionOf } from './template-index.js';

function names(list: unknown): string[] {
  if (!Array.isArray(list)) return [];
  return list.flatMap((item) => (isPlainObject(item) && typeof item.Name === 'string' ? [item.Name] : []));
}

/** The literal text of a string or Fn::Sub template, to look for `${key}` placeholders. */
function templateText(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (isPlainObject(value) && 'Fn::Sub' in value) {
    const arg = value['Fn::Sub'];
    if (typeof arg === 'string') return arg;
    if (Array.isArray(arg) && typeof arg[0] === 'string') return arg[0];
  }
  return undefined;
}

export function checkGlueTables(template: Record<string, unknown>, problems: Problems): void {
  for (const [id, resource] of Object.entries(sectionOf(template, 'Resources'))) {
    if (!isPlainObject(resource) || resource.Type !== 'AWS::Glue::Table') continue;
    const input = isPlainObject(resource.Properties) ? resource.Properties.TableInput : undefined;
    if (!isPlainObject(input)) continue;
    const path = ['Resources', id, 'Properties', 'TableInput'];
    const keys = names(input.PartitionKeys);
    const storage = isPlainObject(input.StorageDescriptor) ? input.StorageDescriptor : {};
    const columns = names(storage.Columns);
    const keySet = new Set(keys.map((k) => k.toLowerCase()));
    for (const column of columns) {
      if (keySet.has(column.toLowerCase())) {
        problems.add([...path, 'StorageDescriptor', 'Columns'], `column ${column} has the name of a partition key; Athena rejects such a table`);
      }
    }
    const seen = new Set<string>();
    for (const column of columns) {
      if (seen.has(column.toLowerCase())) problems.add([...path, 'StorageDescriptor', 'Columns'], `column ${column} is declared more than once`);
      seen.add(column.toLowerCase());
    }
    const parameters = isPlainObject(input.Parameters) ? input.Parameters : {};
    if (parameters['projection.enabled'] !== 'true') continue;
    for (const key of keys) {
      if (parameters[`projection.${key}.type`] === undefined) {
        problems.add([...path, 'Parameters'], `partition key ${key} has no projection.${key}.type; Athena fails every query on the table`);
      }
    }
    const locationTemplate = templateText(parameters['storage.location.template']);
    if (locationTemplate !== undefined) {
      for (const key of keys) {
        if (!locationTemplate.includes(`\${!${key}}`) && !locationTemplate.includes(`\${${key}}`)) {
          problems.add([...path, 'Parameters', 'storage.location.template'], `does not name partition key ${key}`);
        }
      }
    }
  }
}
