import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { readRules, RuleFileError } from './loadRules.js';
import { readRulesSettings } from './rulesConfig.js';

const GOOD = `id: AW-IA-901
title: Own record opened
severity: high
kind: match
rationale: Caldicott principle 4, need to know.
params:
  where: { field: facts.ownRecord, equals: true }
  text: "{event.user.id} opened their own record."
`;

let folder: string;

function rulesFolder(files: Record<string, string>): string {
  folder = mkdtempSync(join(tmpdir(), 'aw-rules-'));
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(join(folder, path, '..'), { recursive: true });
    writeFileSync(join(folder, path), text);
  }
  return folder;
}

function loadError(files: Record<string, string>, overrides = {}): RuleFileError {
  try {
    readRules(rulesFolder(files), overrides);
  } catch (err) {
    if (err instanceof RuleFileError) return err;
    throw err;
  }
  throw new Error('the rules loaded');
}

afterEach(() => rmSync(folder, { recursive: true, force: true }));

describe('loading rule files', () => {
  it('reads a good file with its defaults', () => {
    const [rule] = readRules(rulesFolder({ 'inappropriate-access/own.yaml': GOOD }));
    expect(rule).toMatchObject({ id: 'AW-IA-901', family: 'inappropriate-access', subject: 'user-patient', raises: 'alert', enabled: true, falsePositives: [] });
  });

  it('names the file, the path in it and the reason', () => {
    const error = loadError({ 'inappropriate-access/own.yaml': GOOD.replace('severity: high', 'severity: urgent') });
    expect(error.message).toBe('inappropriate-access/own.yaml: severity: must be one of low, medium, high, critical');
  });

  it('refuses a field the event model does not have', () => {
    const error = loadError({ 'inappropriate-access/own.yaml': GOOD.replace('facts.ownRecord', 'patient.favouriteColour') });
    expect(error.file).toBe('inappropriate-access/own.yaml');
    expect(error.problems.join('\n')).toContain('params.where.field: must be one of');
  });

  it('refuses a placeholder that is not a field', () => {
    const error = loadError({ 'inappropriate-access/own.yaml': GOOD.replace('{event.user.id}', '{user.password}') });
    expect(error.problems).toEqual(['params.text: {user.password} is not a field rules may use']);
  });

  it('lets a team alert\'s wording name the team, and refuses any other placeholder there', () => {
    const unexplained = (teamText: string) => `id: AW-LR-901
title: Unexplained
severity: medium
kind: unexplained
subject: team-patient
rationale: Need to know.
params:
  text: "{event.user.id} opened a record."
  teamText: "${teamText}"
`;
    const [rule] = readRules(rulesFolder({ 'legitimate-relationship/u.yaml': unexplained('Staff of team {team} opened a record.') }));
    expect(rule).toMatchObject({ id: 'AW-LR-901', subject: 'team-patient' });
    const error = loadError({ 'legitimate-relationship/u.yaml': unexplained('Staff of team {teem} opened a record.') });
    expect(error.problems).toEqual(['params.teamText: {teem} is not a field rules may use']);
  });

  it('refuses a kind parameter the kind does not take', () => {
    const error = loadError({ 'inappropriate-access/own.yaml': `${GOOD}  threshold: 3\n` });
    expect(error.problems).toContain('params: has an unknown field "threshold"');
  });

  it('refuses an unknown kind, and a file outside a family folder', () => {
    expect(loadError({ 'inappropriate-access/own.yaml': GOOD.replace('kind: match', 'kind: magic') }).problems[0]).toMatch(/^kind: must be one of match, unexplained/);
    expect(loadError({ 'misc/own.yaml': GOOD }).problems).toContain('(file) must be in a family folder: inappropriate-access, legitimate-relationship, breach-pattern');
  });

  it('takes subject team-patient for a per-event kind and refuses it for a windowed one', () => {
    const [rule] = readRules(rulesFolder({ 'inappropriate-access/own.yaml': GOOD.replace('kind: match', 'kind: match\nsubject: team-patient') }));
    expect(rule.subject).toBe('team-patient');
    const windowed = `id: AW-BP-901
title: Many prints
severity: high
kind: threshold
subject: team-patient
rationale: Bulk printing.
params: { where: { field: event.action, equals: print }, window: 1h, step: 15m, threshold: 5, counts: prints }
`;
    expect(loadError({ 'breach-pattern/prints.yaml': windowed }).problems).toEqual(['subject: team-patient is for per-event kinds; threshold counts per user or system']);
  });

  it('refuses broken YAML with the line', () => {
    const error = loadError({ 'inappropriate-access/own.yaml': 'id: [unclosed\n' });
    expect(error.message).toMatch(/^inappropriate-access\/own.yaml: .*line 2/);
  });

  it('refuses two files with one id, naming both', () => {
    const error = loadError({ 'inappropriate-access/a.yaml': GOOD, 'inappropriate-access/b.yaml': GOOD });
    expect(error.message).toBe('inappropriate-access/b.yaml: id: AW-IA-901 is already the id of inappropriate-access/a.yaml');
  });

  it('applies overrides from the rules configuration, validated like the file', () => {
    const [rule] = readRules(rulesFolder({ 'inappropriate-access/own.yaml': GOOD }), { 'AW-IA-901': { enabled: false, severity: 'critical' } });
    expect(rule).toMatchObject({ enabled: false, severity: 'critical' });
    expect(loadError({ 'inappropriate-access/own.yaml': GOOD }, { 'AW-XX-001': { enabled: false } }).problems).toEqual(['rules.AW-XX-001: no rule has this id']);
    expect(loadError({ 'inappropriate-access/own.yaml': GOOD }, { 'AW-IA-901': { params: { text: 3 } } }).problems).toEqual(['params.text: must be string']);
  });
});

describe('the rules configuration file', () => {
  it('defaults to 07:00-19:00 every day, and reads a file', () => {
    expect(readRulesSettings(undefined).config.workingHours).toEqual({ start: '07:00', end: '19:00' });
    const path = join(rulesFolder({ 'rules.yaml': 'workingHours: { start: "08:00", end: "18:00" }\nlatenessMinutes: 5\nrules:\n  AW-IA-901: { enabled: false }\n' }), 'rules.yaml');
    const settings = readRulesSettings(path);
    expect(settings.config).toMatchObject({ workingHours: { start: '08:00', end: '18:00' }, latenessMs: 300_000 });
    expect(settings.overrides).toEqual({ 'AW-IA-901': { enabled: false } });
  });

  it('refuses a bad setting, naming it', () => {
    const path = join(rulesFolder({ 'rules.yaml': 'workingHours: { start: "25:00", end: "18:00" }\n' }), 'rules.yaml');
    expect(() => readRulesSettings(path)).toThrow(/rules.yaml: workingHours.start: must match pattern/);
  });
});
