import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { alertCountsFrom, alertCountsRequest } from './alertQuery.js';
import { indexNamesFor } from './indexNames.js';

const fixture = (name: string) => JSON.parse(readFileSync(join(import.meta.dirname, 'fixtures', name), 'utf8'));

describe('counting alerts by status in Elasticsearch', () => {
  it('asks for no hits, the caller\'s organisations and filters, and one terms aggregation on status', () => {
    const request = alertCountsRequest(indexNamesFor('aw'), { organisations: ['A81001'], ruleId: 'AW-LR-001', raises: 'alert', from: '2026-11-01T00:00:00Z' });
    expect(request).toMatchObject({ index: 'aw-alerts', size: 0, track_total_hits: false, aggs: { byStatus: { terms: { field: 'status', size: 4 } } } });
    expect(request.query).toEqual({ bool: { filter: [
      { terms: { organisation: ['A81001'] } }, { term: { ruleId: 'AW-LR-001' } }, { term: { raises: 'alert' } },
      { range: { lastSeenAt: { gte: '2026-11-01T00:00:00Z' } } },
    ] } });
  });

  it('reads the buckets of a real answer, a status without alerts as 0', () => {
    expect(alertCountsFrom(fixture('search-response-alert-counts.json'))).toEqual({ open: 12, investigating: 1, dismissed: 3, confirmed: 0 });
  });
});
