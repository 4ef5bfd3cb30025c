import type { Client } from '@elastic/elasticsearch';
import type { Person, Source } from '../port.js';
import { requestErrorStatus } from './bulkRetry.js';
import type { IndexNames } from './indexNames.js';

/**
 * Source systems (`<prefix>-sources`, one document per system) and people (`<prefix>-people`,
 * one document per token hash). Writes wait for a refresh (`refresh: 'wait_for'`) so a key or
 * token registered a moment ago already works on the next request.
 */

/** Removes fields whose value is undefined: the mappings are strict and `null` is not a date. */
function withoutUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, field]) => field !== undefined)) as T;
}

function isNotFound(error: unknown): boolean {
  return requestErrorStatus(error) === 404;
}

/** Registers a source, replacing any earlier one with the same system (and so its key). */
export async function putSource(client: Client, names: IndexNames, source: Source): Promise<void> {
  await client.index({
    index: names.sources,
    id: source.system,
    document: withoutUndefined(source),
    refresh: 'wait_for',
  });
}

/** The source whose key hashes to `keyHash`, revoked or not. */
export async function findSourceByKeyHash(
  client: Client,
  names: IndexNames,
  keyHash: string,
): Promise<Source | undefined> {
  const response = await client.search<Source>({
    index: names.sources,
    ignore_unavailable: true,
    allow_no_indices: true,
    size: 1,
    track_total_hits: false,
    query: { term: { keyHash } },
  });
  return response.hits.hits[0]?._source;
}

/** Marks the source revoked at `at`; false when there is no such source. */
export async function revokeSource(client: Client, names: IndexNames, system: string, at: string): Promise<boolean> {
  try {
    await client.update({
      index: names.sources,
      id: system,
      doc: { revokedAt: at },
      refresh: 'wait_for',
    });
    return true;
  } catch (error) {
    if (isNotFound(error)) return false; // document_missing_exception or index_not_found_exception
    throw error;
  }
}

/** Registers a person, keyed on the hash of their token. */
export async function putPerson(client: Client, names: IndexNames, person: Person): Promise<void> {
  await client.index({
    index: names.people,
    id: person.tokenHash,
    document: withoutUndefined(person),
    refresh: 'wait_for',
  });
}

/** The person whose token hashes to `tokenHash` (a realtime get: no refresh needed). */
export async function findPersonByTokenHash(
  client: Client,
  names: IndexNames,
  tokenHash: string,
): Promise<Person | undefined> {
  try {
    const response = await client.get<Person>({ index: names.people, id: tokenHash });
    return response.found ? response._source : undefined;
  } catch (error) {
    if (isNotFound(error)) return undefined; // no such person, or no people index yet
    throw error;
  }
}

/** How many people hold `role` (revoked or not). */
export async function countPeopleWithRole(client: Client, names: IndexNames, role: Person['role']): Promise<number> {
  try {
    const response = await client.count({ index: names.people, query: { term: { role } } });
    return response.count;
  } catch (error) {
    if (isNotFound(error)) return 0;
    throw error;
  }
}

/** The source registered for `system` (a realtime get). */
export async function findSource(client: Client, names: IndexNames, system: string): Promise<Source | undefined> {
  try {
    const response = await client.get<Source>({ index: names.sources, id: system });
    return response.found ? response._source : undefined;
  } catch (error) {
    if (isNotFound(error)) return undefined;
    throw error;
  }
}

/** The person with this name, newest first if ever there were two. */
export async function findPersonByName(client: Client, names: IndexNames, name: string): Promise<Person | undefined> {
  const response = await client.search<Person>({
    index: names.people,
    ignore_unavailable: true,
    allow_no_indices: true,
    size: 1,
    track_total_hits: false,
    query: { term: { name } },
    sort: [{ createdAt: 'desc' }],
  });
  return response.hits.hits[0]?._source;
}
