import { readFileSync } from 'node:fs';

/** The collector package version (the same file sits next to src/ and dist/). */
export const COLLECTOR_VERSION: string = (
  JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }
).version;
