/**
 * Built-in scenarios: the YAML files in collector/scenarios, by file name.
 */
import { existsSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { loadScenario, ScenarioError, type Scenario } from './scenario.js';

/** collector/scenarios, next to src/ and dist/. */
export const SCENARIO_DIR = fileURLToPath(new URL('../../scenarios', import.meta.url));

export function builtinScenarioNames(): string[] {
  if (!existsSync(SCENARIO_DIR)) return [];
  return readdirSync(SCENARIO_DIR)
    .filter((f) => f.endsWith('.yaml'))
    .map((f) => f.slice(0, -'.yaml'.length))
    .sort();
}

/** A built-in scenario by name, or a scenario file by path. */
export function resolveScenario(nameOrPath: string): Scenario {
  if (builtinScenarioNames().includes(nameOrPath)) return loadScenario(join(SCENARIO_DIR, `${nameOrPath}.yaml`));
  if (existsSync(nameOrPath)) return loadScenario(nameOrPath);
  throw new ScenarioError(`no scenario ${JSON.stringify(nameOrPath)}: give a file or one of ${builtinScenarioNames().join(', ')}`);
}
