/**
 * The names of everything the Elasticsearch adapter creates, all under one prefix so that
 * several installations (or test runs, `test-<uuid>`) can share a cluster without touching
 * each other.
 */

/** Index names, template names and the retention policy name for one prefix. */
export interface IndexNames {
  readonly prefix: string;
  /** What reads search: every monthly events index. */
  readonly eventsPattern: string;
  readonly quarantine: string;
  readonly sources: string;
  readonly people: string;
  readonly staff: string;
  readonly patients: string;
  readonly relationships: string;
  readonly alerts: string;
  readonly suppressions: string;
  readonly incidents: string;
  /** The ILM policy that deletes old events indices. */
  readonly eventsRetentionPolicy: string;
}

// Elasticsearch index names are lowercase and may not contain \ / * ? " < > | space , #
// and may not start with - _ +. The prefix also ends up inside JSON templates, so keep it plain.
const PREFIX_PATTERN = /^[a-z0-9][a-z0-9._-]*$/;

/** All the names for a prefix; throws when the prefix cannot be part of an index name. */
export function indexNamesFor(prefix: string): IndexNames {
  if (!PREFIX_PATTERN.test(prefix) || prefix.length > 100) {
    throw new Error(
      `Elasticsearch index prefix "${prefix}" is not usable: use lowercase letters, digits, '.', '_' or '-' (at most 100 characters), starting with a letter or digit`,
    );
  }
  return {
    prefix,
    eventsPattern: `${prefix}-events-*`,
    quarantine: `${prefix}-quarantine`,
    sources: `${prefix}-sources`,
    people: `${prefix}-people`,
    staff: `${prefix}-staff`,
    patients: `${prefix}-patients`,
    relationships: `${prefix}-relationships`,
    alerts: `${prefix}-alerts`,
    suppressions: `${prefix}-suppressions`,
    incidents: `${prefix}-incidents`,
    eventsRetentionPolicy: `${prefix}-events-retention`,
  };
}

/**
 * The monthly index an event is stored in, chosen from its `occurredAt` (in UTC), e.g.
 * `accesswatch-events-2024.03.01` for any event in March 2024.
 *
 * The choice is deterministic, so a resent event always lands in the same index, where
 * `create` finds the earlier copy (see README.md). The `.01` day makes the name match the
 * pattern ILM's `parse_origination_date` reads, so retention counts from the month the events
 * happened rather than from when the index was created.
 *
 * Throws a RangeError when `occurredAt` is not a date.
 */
export function eventsIndexFor(names: IndexNames, occurredAt: string): string {
  const millis = Date.parse(occurredAt);
  if (Number.isNaN(millis)) {
    throw new RangeError(`occurredAt "${occurredAt}" is not a date, so the event has no monthly index`);
  }
  const date = new Date(millis);
  const year = date.getUTCFullYear();
  if (year < 1000 || year > 9999) {
    throw new RangeError(`occurredAt "${occurredAt}" is outside the years 1000–9999, so the event has no monthly index`);
  }
  const month = String(date.getUTCMonth() + 1).padStart(2, '0');
  return `${names.prefix}-events-${year}.${month}.01`;
}
