import { readFileSync, readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { indexNamesFor } from './indexNames.js';
import { indexTemplatesFor } from './templates.js';

// The Kibana saved objects in dashboards/kibana/ are tested here, beside the templates they
// must match, because vitest only collects tests under engine/, api/, rules/ and test/.
const kibanaDir = new URL('../../../dashboards/kibana/', import.meta.url);
const composeFile = new URL('../../../docker-compose.yml', import.meta.url);

// The saved objects name the indices of the default prefix (ACCESSWATCH_ES_INDEX_PREFIX).
const names = indexNamesFor('accesswatch');

interface SavedObject {
  type: string;
  id: string;
  attributes: Record<string, unknown>;
  references: { type: string; id: string; name: string }[];
  coreMigrationVersion?: string;
  typeMigrationVersion?: string;
}

interface Mapping {
  type?: string;
  index?: boolean;
  enabled?: boolean;
  properties?: Record<string, Mapping>;
  fields?: Record<string, Mapping>;
}

/** A field a saved object uses, and what it uses it for. */
interface FieldUse {
  object: string;
  dataView: string;
  field: string;
  use: 'time' | 'date' | 'aggregate' | 'query' | 'source';
}

function readSavedObjects(): SavedObject[] {
  const files = readdirSync(kibanaDir).filter((file) => file.endsWith('.ndjson')).sort();
  return files.flatMap((file) =>
    readFileSync(new URL(file, kibanaDir), 'utf8')
      .split('\n')
      .filter((line) => line.trim() !== '')
      .map((line, i) => {
        try {
          return JSON.parse(line) as SavedObject | { exportedCount: number };
        } catch (error) {
          throw new Error(`${file} line ${i + 1} is not JSON: ${(error as Error).message}`);
        }
      })
      // A file exported from Kibana ends with a summary line, which the import skips too.
      .filter((object): object is SavedObject => !('exportedCount' in object)),
  );
}

/** Every path in a mapping (objects too), with its mapping, multi-fields as `path.sub`. */
function mappedPaths(properties: Record<string, Mapping>, prefix = '', into = new Map<string, Mapping>()): Map<string, Mapping> {
  for (const [name, mapping] of Object.entries(properties)) {
    const path = `${prefix}${name}`;
    into.set(path, mapping);
    if (mapping.properties) mappedPaths(mapping.properties, `${path}.`, into);
    for (const [sub, subMapping] of Object.entries(mapping.fields ?? {})) into.set(`${path}.${sub}`, subMapping);
  }
  return into;
}

/** The mappings of the template whose index patterns include a data view's title. */
function mappingsForTitle(title: string): Map<string, Mapping> | undefined {
  for (const template of indexTemplatesFor(names).values()) {
    const patterns = ([] as string[]).concat(template.index_patterns ?? []);
    if (patterns.includes(title)) {
      return mappedPaths((template.template?.mappings?.properties ?? {}) as Record<string, Mapping>);
    }
  }
  return undefined;
}

// Field names in a KQL query: the words before `:` (`ruleId : "AW-BP-009"`, `a.b:false`).
function kqlFields(query: string): string[] {
  return [...query.matchAll(/([A-Za-z_@][\w.@]*)\s*:/g)].map((match) => match[1]);
}

interface LensColumn {
  operationType: string;
  sourceField?: string;
  dataType?: string;
  filter?: { query: string; language: string };
  params?: { orderBy?: { type: string; columnId?: string } };
}
interface LensLayer {
  columns: Record<string, LensColumn>;
  columnOrder: string[];
}

function lensLayers(object: SavedObject): Record<string, LensLayer> {
  const state = object.attributes.state as { datasourceStates: { formBased: { layers: Record<string, LensLayer> } } };
  return state.datasourceStates.formBased.layers;
}

/** Every column id a Lens visualization's own state points at. */
function visualizationAccessors(object: SavedObject): string[] {
  const visualization = (object.attributes.state as { visualization: Record<string, unknown> }).visualization;
  const ids: string[] = [];
  const take = (holder: Record<string, unknown>) => {
    for (const key of ['xAccessor', 'yAccessor', 'valueAccessor', 'splitAccessor']) {
      if (typeof holder[key] === 'string') ids.push(holder[key] as string);
    }
    for (const id of (holder.accessors as string[] | undefined) ?? []) ids.push(id);
  };
  take(visualization);
  for (const layer of (visualization.layers as Record<string, unknown>[] | undefined) ?? []) take(layer);
  for (const column of (visualization.columns as { columnId: string }[] | undefined) ?? []) ids.push(column.columnId);
  const sorting = visualization.sorting as { columnId?: string } | undefined;
  if (sorting?.columnId) ids.push(sorting.columnId);
  return ids;
}

/** Every field the saved objects use, found through the data view each one reads. */
function fieldUses(objects: SavedObject[]): FieldUse[] {
  const byId = new Map(objects.map((object) => [`${object.type}:${object.id}`, object]));
  const uses: FieldUse[] = [];
  for (const object of objects) {
    const label = `${object.type}:${object.id}`;
    if (object.type === 'index-pattern') {
      const title = object.attributes.title as string;
      uses.push({ object: label, dataView: title, field: object.attributes.timeFieldName as string, use: 'time' });
      for (const { value } of JSON.parse((object.attributes.sourceFilters as string | undefined) ?? '[]') as { value: string }[]) {
        uses.push({ object: label, dataView: title, field: value, use: 'source' });
      }
    }
    if (object.type === 'lens') {
      const state = object.attributes.state as { query: { query: string } };
      for (const [layerId, layer] of Object.entries(lensLayers(object))) {
        const reference = object.references.find((ref) => ref.name === `indexpattern-datasource-layer-${layerId}`);
        const dataView = byId.get(`index-pattern:${reference?.id}`);
        const title = (dataView?.attributes.title as string | undefined) ?? `(no data view for layer ${layerId})`;
        for (const column of Object.values(layer.columns)) {
          if (column.sourceField && column.sourceField !== '___records___') {
            uses.push({ object: label, dataView: title, field: column.sourceField, use: column.dataType === 'date' ? 'date' : 'aggregate' });
          }
          for (const field of kqlFields(column.filter?.query ?? '')) uses.push({ object: label, dataView: title, field, use: 'query' });
        }
        for (const field of kqlFields(state.query.query)) uses.push({ object: label, dataView: title, field, use: 'query' });
      }
    }
  }
  return uses;
}

/** What is wrong with each field use: not mapped, or mapped in a way the use cannot work with. */
function fieldProblems(uses: FieldUse[]): string[] {
  const problems: string[] = [];
  for (const use of uses) {
    const mappings = mappingsForTitle(use.dataView);
    const where = `${use.object} uses "${use.field}" of ${use.dataView}`;
    if (!mappings) {
      problems.push(`${where}, but no index template matches ${use.dataView}`);
      continue;
    }
    const mapping = mappings.get(use.field);
    if (!mapping) {
      problems.push(`${where}, which the template does not map`);
      continue;
    }
    if (use.use === 'source') continue; // hiding a field or a whole object from documents
    if (mapping.properties || mapping.type === 'object') {
      problems.push(`${where}, which is an object, not a field`);
    } else if ((use.use === 'time' || use.use === 'date') && mapping.type !== 'date') {
      problems.push(`${where} as a date, but it is mapped as ${mapping.type}`);
    } else if (use.use === 'aggregate' && (mapping.type === 'text' || mapping.index === false || mapping.enabled === false)) {
      problems.push(`${where} in an aggregation, but it is not aggregatable (${mapping.type}${mapping.index === false ? ', index: false' : ''})`);
    } else if (use.use === 'query' && (mapping.index === false || mapping.enabled === false)) {
      problems.push(`${where} in a query, but it is not indexed`);
    }
  }
  return problems;
}

describe('Kibana saved objects (dashboards/kibana)', () => {
  const objects = readSavedObjects();
  const byKey = new Map(objects.map((object) => [`${object.type}:${object.id}`, object]));

  it('holds data views for events and alerts, Lens visualizations and three dashboards, each id once', () => {
    const count = (type: string) => objects.filter((object) => object.type === type).length;
    expect(count('index-pattern')).toBe(2);
    expect(count('lens')).toBeGreaterThanOrEqual(6);
    expect(count('dashboard')).toBe(3);
    expect(byKey.size).toBe(objects.length);
    for (const object of objects) {
      expect(object.id, object.id).toMatch(/^[a-z0-9-]+$/);
      expect(object.attributes.title, object.id).toEqual(expect.any(String));
      expect(object.references, object.id).toEqual(expect.any(Array));
      expect(object.coreMigrationVersion, object.id).toMatch(/^8\.\d+\.\d+$/);
      expect(object.typeMigrationVersion, object.id).toMatch(/^\d+\.\d+\.\d+$/);
    }
  });

  it('names the indices the Elasticsearch store writes, with a date field as the time field', () => {
    const titles = objects.filter((object) => object.type === 'index-pattern').map((object) => object.attributes.title);
    expect(titles.sort()).toEqual([names.alerts, names.eventsPattern].sort());
  });

  it('lists every object before the objects that refer to it, and every reference resolves', () => {
    // Kibana resolves references within one import, but a file read in order is easier to review.
    const seen = new Set<string>();
    for (const object of objects) {
      for (const reference of object.references) {
        expect(byKey.has(`${reference.type}:${reference.id}`), `${object.id} -> ${reference.type}:${reference.id}`).toBe(true);
        expect(seen.has(`${reference.type}:${reference.id}`), `${reference.id} listed before ${object.id}`).toBe(true);
      }
      seen.add(`${object.type}:${object.id}`);
    }
  });

  it('gives every Lens layer a data view, and points each chart and table only at columns its layer has', () => {
    for (const object of objects.filter((candidate) => candidate.type === 'lens')) {
      const layers = lensLayers(object);
      expect(Object.keys(layers).length, object.id).toBeGreaterThan(0);
      const columnIds = new Set<string>();
      for (const [layerId, layer] of Object.entries(layers)) {
        const reference = object.references.find((ref) => ref.name === `indexpattern-datasource-layer-${layerId}`);
        expect(reference?.type, `${object.id} layer ${layerId}`).toBe('index-pattern');
        expect([...layer.columnOrder].sort(), object.id).toEqual(Object.keys(layer.columns).sort());
        for (const [id, column] of Object.entries(layer.columns)) {
          columnIds.add(id);
          const orderBy = column.params?.orderBy;
          if (orderBy?.type === 'column') expect(layer.columns[orderBy.columnId ?? ''], `${object.id} ${id} orderBy`).toBeDefined();
        }
      }
      const accessors = visualizationAccessors(object);
      expect(accessors.length, object.id).toBeGreaterThan(0);
      for (const id of accessors) expect(columnIds.has(id), `${object.id} shows column ${id}`).toBe(true);
    }
  });

  it('places each dashboard panel on the grid and resolves it to a Lens object by its reference', () => {
    for (const dashboard of objects.filter((object) => object.type === 'dashboard')) {
      const panels = JSON.parse(dashboard.attributes.panelsJSON as string) as {
        panelIndex: string; panelRefName: string; type: string; gridData: { x: number; y: number; w: number; h: number; i: string };
      }[];
      expect(panels.length, dashboard.id).toBeGreaterThan(0);
      for (const panel of panels) {
        expect(panel.gridData.i).toBe(panel.panelIndex);
        expect(panel.gridData.x + panel.gridData.w, `${dashboard.id} ${panel.panelIndex}`).toBeLessThanOrEqual(48);
        const reference = dashboard.references.find((ref) => ref.name === `${panel.panelIndex}:${panel.panelRefName}`);
        expect(reference?.type, `${dashboard.id} ${panel.panelIndex}`).toBe(panel.type);
        expect(byKey.get(`${reference?.type}:${reference?.id}`)?.type).toBe('lens');
      }
      expect(dashboard.references).toHaveLength(panels.length);
    }
  });

  it('uses only fields the index templates map, as dates where a date is needed and aggregatable where aggregated', () => {
    const uses = fieldUses(objects);
    expect(fieldProblems(uses)).toEqual([]);
    // So that the test cannot pass by finding nothing: these are the fields the objects use today.
    const distinct = new Set(uses.map((use) => `${use.dataView} ${use.field}`));
    expect(distinct.size).toBeGreaterThanOrEqual(18);
    for (const expected of ['occurredAt', 'organisation', 'system', 'explanation.explained', 'user.id']) {
      expect(distinct, expected).toContain(`${names.eventsPattern} ${expected}`);
    }
    for (const expected of ['lastSeenAt', 'ruleId', 'severity', 'status']) {
      expect(distinct, expected).toContain(`${names.alerts} ${expected}`);
    }
    for (const lens of objects.filter((object) => object.type === 'lens')) {
      expect(uses.some((use) => use.object === `lens:${lens.id}`), lens.id).toBe(true);
    }
  });

  it('reports a renamed field, a text field aggregated and a field that is not a date used as one', () => {
    const mutated = (from: RegExp, to: string) =>
      objects.map((object) => JSON.parse(JSON.stringify(object).replace(from, to)) as SavedObject);
    expect(fieldProblems(fieldUses(mutated(/"sourceField":"organisation"/g, '"sourceField":"organization"')))).toContain(
      'lens:aw-events-by-organisation uses "organization" of accesswatch-events-*, which the template does not map',
    );
    expect(fieldProblems(fieldUses(mutated(/"sourceField":"system"/, '"sourceField":"reason"'))).join('\n')).toMatch(/not aggregatable \(text\)/);
    expect(fieldProblems(fieldUses(mutated(/"timeFieldName":"occurredAt"/, '"timeFieldName":"system"'))).join('\n')).toMatch(
      /uses "system" of accesswatch-events-\* as a date, but it is mapped as keyword/,
    );
    expect(fieldProblems(fieldUses(mutated(/ruleId : /, 'rule : ')))).toContain(
      'lens:aw-alerts-audit-gap uses "rule" of accesswatch-alerts, which the template does not map',
    );
  });

  it('shows the audit gap rule (AW-BP-009, rules/breach-pattern/audit-gap.yaml) on the audit gaps dashboard', () => {
    const rule = parseYaml(readFileSync(new URL('../../../rules/breach-pattern/audit-gap.yaml', import.meta.url), 'utf8')) as { id: string };
    const gapLens = objects.filter((object) => object.type === 'lens' && JSON.stringify(object.attributes.state).includes(`ruleId : \\"${rule.id}\\"`));
    expect(gapLens).toHaveLength(1);
    const dashboard = byKey.get('dashboard:aw-dashboard-audit-gaps');
    expect(dashboard?.references.map((ref) => ref.id)).toContain(gapLens[0].id);
  });

  it('is imported by the one-shot kibana-setup service in docker-compose.yml', () => {
    const compose = parseYaml(readFileSync(composeFile, 'utf8')) as { services: Record<string, Record<string, unknown>> };
    const setup = compose.services['kibana-setup'];
    expect(setup).toBeDefined();
    expect(setup.volumes).toContain('./dashboards/kibana:/kibana:ro');
    expect(setup.restart).toBe('no');
    const script = ([] as string[]).concat(setup.command as string | string[]).join('\n');
    expect(script).toContain('/api/saved_objects/_import?overwrite=true');
    expect(script).toContain('kbn-xsrf: true');
    expect(script).toContain('/kibana/*.ndjson');
  });
});
