/**
 * Built-in scenarios: the YAML files in collector/scenarios, by file name, and the generated ones
 * (generator.ts), by name.
 */
import { existsSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { BUILTIN_GENERATED, generateBuiltinScenario, isBuiltinGenerated } from './generator.js';
import { loadScenario, ScenarioError, type Scenario } from './scenario.js';

/** collector/scenarios, next to src/ and dist/. */
const SCENARIO_DIR = fileURLToPath(new URL('../../scenarios', import.meta.url));

/** Scenarios written by hand, in collector/scenarios. */
export function builtinScenarioNames(): string[] {
  if (!existsSync(SCENARIO_DIR)) return [];
  return readdirSync(SCENARIO_DIR)
    .filter((f) => f.endsWith('.yaml'))
    .map((f) => f.slice(0, -'.yaml'.length))
    .sort();
}

/** Every scenario that can be asked for by name: hand-written, then generated. */
export function allScenarioNames(): string[] {
  return [...builtinScenarioNames(), ...Object.keys(BUILTIN_GENERATED)];
}

/** A built-in scenario by name, or a scenario file by path. */
export function resolveScenario(nameOrPath: string): Scenario {
  if (builtinScenarioNames().includes(nameOrPath)) return loadScenario(join(SCENARIO_DIR, `${nameOrPath}.yaml`));
  if (isBuiltinGenerated(nameOrPath)) return generateBuiltinScenario(nameOrPath);
  if (existsSync(nameOrPath)) return loadScenario(nameOrPath);
  throw new ScenarioError(`no scenario ${JSON.stringify(nameOrPath)}: give a file or one of ${allScenarioNames().join(', ')}`);
}
