import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compileRules, readRules } from './loadRules.js';
import { fixtureReference, fixturesPathOf, readFixtureFile, runFixtureCase, type ExpectedAlert } from './ruleFixtures.js';
import { DEFAULT_RULES_CONFIG, shippedRulesDir } from './rulesConfig.js';
import { ruleFileSchema } from './ruleSchema.js';

/** Walks every shipped rule: schema, unique ids, fixtures that fire and legitimate twins that stay silent. */

const rulesDir = shippedRulesDir();
const definitions = readRules(rulesDir);
const compiled = compileRules(definitions, DEFAULT_RULES_CONFIG);

function rulePathOf(id: string): string {
  const walk = (folder: string): string[] => readdirSync(folder, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? walk(join(folder, entry.name)) : entry.name.endsWith('.yaml') && !entry.name.endsWith('.fixtures.yaml') ? [join(folder, entry.name)] : []);
  return walk(rulesDir).find((path) => readFileSync(path, 'utf8').includes(`id: ${id}`))!;
}

describe('the rule catalogue', () => {
  it('ships rules of every family, with unique ids', () => {
    expect(new Set(definitions.map((d) => d.id)).size).toBe(definitions.length);
    expect(new Set(definitions.map((d) => d.family))).toEqual(new Set(['inappropriate-access', 'legitimate-relationship', 'breach-pattern']));
  });

  it('publishes the schema it validates against (rules/rule.schema.json is up to date)', () => {
    const published = JSON.parse(readFileSync(join(rulesDir, 'rule.schema.json'), 'utf8')) as unknown;
    expect(published, 'run `npm run rules:schema` to write rules/rule.schema.json again').toEqual(JSON.parse(JSON.stringify(ruleFileSchema())));
  });

  for (const rule of compiled) {
    const { id } = rule.definition;
    const path = rulePathOf(id);
    describe(`${id} (${relative(rulesDir, path)})`, () => {
      const fixturesPath = fixturesPathOf(path);
      it('has fixtures that fire and a legitimate twin that stays silent', () => {
        expect(fixturesPath, `${relative(rulesDir, path)} needs a .fixtures.yaml beside it`).toBeDefined();
        const file = readFixtureFile(fixturesPath!);
        expect(file.cases.some((c) => c.expect.length > 0)).toBe(true);
        expect(file.cases.some((c) => c.expect.length === 0)).toBe(true);
      });
      if (!fixturesPath) return;
      const file = readFixtureFile(fixturesPath);
      const reference = fixtureReference(rulesDir, file);
      for (const testCase of file.cases) {
        it(testCase.name, async () => {
          const alerts = await runFixtureCase(rule, testCase, reference, DEFAULT_RULES_CONFIG);
          const seen = alerts.map((alert) => {
            const shown: ExpectedAlert = {};
            for (const key of ['userId', 'team', 'users', 'nhsNumber', 'system', 'severity', 'raises', 'eventCount'] as const) {
              if (testCase.expect.some((e) => e[key] !== undefined)) (shown as Record<string, unknown>)[key] = alert[key];
            }
            if (testCase.expect.some((e) => e.text !== undefined)) shown.text = alert.explanation.text;
            return shown;
          });
          expect(alerts.every((alert) => alert.ruleId === id)).toBe(true);
          for (const alert of alerts) expect(alert.explanation.text, 'alert text reads as a sentence').toMatch(/^[^{}]+\.$/);
          expect(seen).toEqual(expect.arrayContaining(testCase.expect.map((e) => expect.objectContaining(e))));
          expect(seen).toHaveLength(testCase.expect.length);
        });
      }
    });
  }
});
