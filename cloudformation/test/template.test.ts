import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { parseTemplate } from '../src/parse.js';
import { GENERATED_HEADER, renderTemplate } from '../src/render.js';
import { buildTemplate } from '../src/template.js';
import { DEFAULT_TEMPLATE_PATH, validateTemplate } from '../src/validate.js';

const root = new URL('../../', import.meta.url).pathname;

function runCli(script: string, args: string[]): { status: number | null; output: string } {
  const result = spawnSync(process.execPath, ['--conditions=development', '--import', 'tsx', script, ...args], {
    cwd: root,
    encoding: 'utf8',
  });
  return { status: result.status, output: result.stdout + result.stderr };
}

describe('generated template', () => {
  it('validates against the CloudFormation resource schemas with no problems', () => {
    assert.deepEqual(validateTemplate(buildTemplate()), []);
  });

  it('is checked in exactly as a fresh render (run npm run cfn:generate when this fails)', () => {
    assert.equal(readFileSync(DEFAULT_TEMPLATE_PATH, 'utf8'), renderTemplate(buildTemplate()));
  });

  it('reads back from YAML to the same template, so short-form tags lose nothing', () => {
    const template = buildTemplate();
    assert.deepEqual(parseTemplate(renderTemplate(template)), template);
  });

  it('says it is generated and how to regenerate it', () => {
    const text = readFileSync(DEFAULT_TEMPLATE_PATH, 'utf8');
    assert.ok(text.startsWith(GENERATED_HEADER.split('\n').map((line) => `#${line}`).join('\n')));
    assert.match(text, /npm run cfn:generate/);
  });

  it('uses short-form tags and no YAML anchors', () => {
    const text = readFileSync(DEFAULT_TEMPLATE_PATH, 'utf8');
    for (const tag of ['!Ref ', '!Sub ', '!GetAtt ', '!If', '!Equals', '!Not']) assert.ok(text.includes(tag), tag);
    assert.doesNotMatch(text, /Fn::|"Ref"|[&*][a-z]+\d+\b/);
  });

  it('builds an independent copy each time', () => {
    const first = buildTemplate();
    first.Resources = {};
    assert.notDeepEqual(buildTemplate().Resources, {});
  });
});

describe('command line', () => {
  it('cfn:generate --check passes on the checked-in file', () => {
    const { status, output } = runCli('cloudformation/src/generate.ts', ['--check']);
    assert.equal(status, 0, output);
    assert.match(output, /up to date/);
  });

  it('cfn:validate prints one problem per line and exits 1 on a broken template', () => {
    const broken = readFileSync(DEFAULT_TEMPLATE_PATH, 'utf8').replace(
      'EnforceWorkGroupConfiguration: true',
      'EnforceWorkgroupConfiguration: true',
    );
    const file = join(mkdtempSync(join(tmpdir(), 'cfn-')), 'broken.yaml');
    writeFileSync(file, broken);
    const { status, output } = runCli('cloudformation/src/validate.ts', [file]);
    assert.equal(status, 1);
    const lines = output.trim().split('\n');
    assert.equal(lines.length, 1, output);
    assert.match(lines[0]!, /WorkGroupConfiguration: unknown property EnforceWorkgroupConfiguration/);
  });
});
