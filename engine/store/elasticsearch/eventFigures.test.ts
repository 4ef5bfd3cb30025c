import { readFileSync } from 'node:fs';
import type { estypes } from '@elastic/elasticsearch';
import { afterEach, describe, expect, it } from 'vitest';
import { ElasticsearchLikeServer } from '../../../test/elasticsearchLikeServer.js';
import { createElasticsearchStore, type ElasticsearchStore } from './elasticsearchStore.js';
import { MAX_FIGURES_ORGANISATIONS, eventFiguresFrom, eventFiguresRequest } from './eventFigures.js';
import { indexNamesFor } from './indexNames.js';

const fixtures = new URL('./fixtures/', import.meta.url);
const fixture = <T>(name: string): T => JSON.parse(readFileSync(new URL(name, fixtures), 'utf8')) as T;
const names = indexNamesFor('accesswatch');
const template = fixture<{ template: { mappings: { properties: Record<string, any> } } }>('../templates/events.json');

describe('the figures search', () => {
  it('asks for no hits, only explained counts per organisation, within the scope and a half-open period', () => {
    expect(eventFiguresRequest(names, { organisations: ['B82005', 'RRK'], from: '2026-11-01T00:00:00Z', to: '2026-12-01T00:00:00Z' })).toEqual({
      index: 'accesswatch-events-*',
      ignore_unavailable: true,
      allow_no_indices: true,
      size: 0,
      track_total_hits: false,
      query: {
        bool: {
          filter: [
            { terms: { organisation: ['B82005', 'RRK'] } },
            { range: { occurredAt: { gte: '2026-11-01T00:00:00Z', lt: '2026-12-01T00:00:00Z' } } },
          ],
        },
      },
      aggs: {
        byOrganisation: {
          terms: { field: 'organisation', size: 2, order: { _key: 'asc' } },
          aggs: { explained: { filter: { term: { 'explanation.explained': true } } } },
        },
      },
    });
  });

  it('aggregates only fields the events mapping indexes with the right types', () => {
    const { properties } = template.template.mappings;
    expect(properties.organisation).toEqual({ type: 'keyword' });
    expect(properties.explanation.properties.explained).toEqual({ type: 'boolean' });
  });

  it('has no period filter when no period is given', () => {
    expect(eventFiguresRequest(names, { organisations: ['RRK'] }).query).toEqual({ bool: { filter: [{ terms: { organisation: ['RRK'] } }] } });
  });

  it('leaves out the systems asked', () => {
    expect(eventFiguresRequest(names, { organisations: ['RRK'], excludeSystems: ['accesswatch'] }).query).toEqual({
      bool: { filter: [{ terms: { organisation: ['RRK'] } }], must_not: [{ terms: { system: ['accesswatch'] } }] },
    });
  });

  it('refuses more organisations than one search may have buckets', () => {
    const organisations = Array.from({ length: MAX_FIGURES_ORGANISATIONS + 1 }, (_, n) => `O${n}`);
    expect(() => eventFiguresRequest(names, { organisations })).toThrow(RangeError);
  });
});

describe('figures from a search response', () => {
  it('reads each bucket and sums them', () => {
    expect(eventFiguresFrom(fixture<estypes.SearchResponse>('search-response-event-figures.json'))).toEqual({
      total: 89_942,
      explained: 85_538,
      byOrganisation: [
        { organisation: 'B82005', total: 1523, explained: 1431 },
        { organisation: 'RRK', total: 88_412, explained: 84_107 },
        { organisation: 'RXX', total: 7, explained: 0 },
      ],
    });
  });

  it('is all zeros when there are no events indices yet', () => {
    expect(eventFiguresFrom(fixture<estypes.SearchResponse>('search-response-no-indices.json'))).toEqual({ total: 0, explained: 0, byOrganisation: [] });
  });
});

describe('figures through the client', () => {
  let server: ElasticsearchLikeServer | undefined;
  let store: ElasticsearchStore | undefined;
  afterEach(async () => {
    await store?.close();
    await server?.stop();
    store = server = undefined;
  });

  it('sends one search to every monthly index and answers from its aggregations', async () => {
    server = await ElasticsearchLikeServer.start(() => ({ fixture: 'search-response-event-figures.json' }), fixtures);
    store = createElasticsearchStore({ node: server.url });
    const figures = await store.eventFigures({ organisations: ['B82005', 'RRK', 'RXX'], from: '2026-11-01T00:00:00Z' });
    expect(figures).toMatchObject({ total: 89_942, explained: 85_538 });
    expect(server.requests).toHaveLength(1);
    const [search] = server.requests;
    expect(search.path).toBe('/accesswatch-events-*/_search');
    expect(search.query.get('ignore_unavailable')).toBe('true');
    expect(search.lines[0]).toMatchObject({ size: 0, aggs: { byOrganisation: { terms: { field: 'organisation', size: 3 } } } });
  });

  it('asks nothing when the scope is empty', async () => {
    server = await ElasticsearchLikeServer.start(() => ({ status: 500, body: {} }), fixtures);
    store = createElasticsearchStore({ node: server.url });
    expect(await store.eventFigures({ organisations: [] })).toEqual({ total: 0, explained: 0, byOrganisation: [] });
    expect(server.requests).toHaveLength(0);
  });
});
