import type { estypes } from '@elastic/elasticsearch';
import eventsTemplate from './templates/events.json' with { type: 'json' };
import quarantineTemplate from './templates/quarantine.json' with { type: 'json' };
import sourcesTemplate from './templates/sources.json' with { type: 'json' };
import peopleTemplate from './templates/people.json' with { type: 'json' };
import staffTemplate from './templates/staff.json' with { type: 'json' };
import patientsTemplate from './templates/patients.json' with { type: 'json' };
import relationshipsTemplate from './templates/relationships.json' with { type: 'json' };
import alertsTemplate from './templates/alerts.json' with { type: 'json' };
import suppressionsTemplate from './templates/suppressions.json' with { type: 'json' };
import incidentsTemplate from './templates/incidents.json' with { type: 'json' };
import eventsRetentionPolicy from './templates/events-retention-policy.json' with { type: 'json' };
import type { IndexNames } from './indexNames.js';

/**
 * The index templates and the retention policy, kept as JSON under version control in
 * `templates/`. Their text says `{prefix}` wherever an index or policy name goes; it is filled
 * in here, so each prefix gets its own templates.
 */

/** The body of a put-index-template request, without its name. */
export type IndexTemplate = Omit<estypes.IndicesPutIndexTemplateRequest, 'name'>;

/** The template files as stored, before the prefix is filled in. */
export const TEMPLATE_FILES = {
  events: eventsTemplate,
  quarantine: quarantineTemplate,
  sources: sourcesTemplate,
  people: peopleTemplate,
  staff: staffTemplate,
  patients: patientsTemplate,
  relationships: relationshipsTemplate,
  alerts: alertsTemplate,
  suppressions: suppressionsTemplate,
  incidents: incidentsTemplate,
} as const;

export type TemplateName = keyof typeof TEMPLATE_FILES;

const PREFIX_PLACEHOLDER = '{prefix}';

function withPrefix<T>(template: unknown, prefix: string): T {
  // The prefix is checked to be plain (indexNamesFor), so it cannot break the JSON text.
  return JSON.parse(JSON.stringify(template).replaceAll(PREFIX_PLACEHOLDER, prefix)) as T;
}

/** Every index template, by its name in the cluster (`<prefix>-events`, ...). */
export function indexTemplatesFor(names: IndexNames): Map<string, IndexTemplate> {
  const templates = new Map<string, IndexTemplate>();
  for (const [name, file] of Object.entries(TEMPLATE_FILES)) {
    templates.set(`${names.prefix}-${name}`, withPrefix<IndexTemplate>(file, names.prefix));
  }
  return templates;
}

/** The ILM policy that deletes old monthly events indices. */
export function eventsRetentionPolicyFor(names: IndexNames): estypes.IlmPolicy {
  return withPrefix<estypes.IlmPolicy>(eventsRetentionPolicy, names.prefix);
}
