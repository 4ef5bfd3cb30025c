import { randomUUID } from 'node:crypto';
import { Client } from '@elastic/elasticsearch';
import { afterAll, describe } from 'vitest';
import { alertStoreContract } from '../alertStoreContract.js';
import { incidentStoreContract } from '../incidentStoreContract.js';
import type { Store } from '../port.js';
import { storeContract } from '../storeContract.js';
import { createElasticsearchStore, type ElasticsearchStore } from './elasticsearchStore.js';
import { indexNamesFor } from './indexNames.js';
import { indexTemplatesFor } from './templates.js';

// Runs the shared store contract against a real cluster when ELASTICSEARCH_URL is set
// (`docker compose up elasticsearch`, then ELASTICSEARCH_URL=http://localhost:9200 npx vitest run).
// Each store gets its own prefix, `test-<uuid>`; everything under it is deleted afterwards.

const url = process.env.ELASTICSEARCH_URL;

/** Deletes the indices, templates and retention policy under one prefix. */
async function deleteNamespace(client: Client, prefix: string): Promise<void> {
  const names = indexNamesFor(prefix);
  // Wildcard deletes are refused by default (action.destructive_requires_name), so name each index.
  const indices = await client.indices.get({ index: `${prefix}-*`, ignore_unavailable: true, allow_no_indices: true });
  const found = Object.keys(indices);
  if (found.length > 0) await client.indices.delete({ index: found });
  for (const template of indexTemplatesFor(names).keys()) {
    await client.indices.deleteIndexTemplate({ name: template }, { ignore: [404] });
  }
  await client.ilm.deleteLifecycle({ name: names.eventsRetentionPolicy }, { ignore: [404] });
}

describe.runIf(!!url)('Elasticsearch store against a real cluster', () => {
  const prefixes: string[] = [];

  const makeStore = async () => {
    const prefix = `test-${randomUUID()}`;
    prefixes.push(prefix);
    return createElasticsearchStore({ node: url!, indexPrefix: prefix });
  };
  const options = {
    refresh: (store: Store) => (store as ElasticsearchStore).refresh(),
    reopen: async (closed: Store) => createElasticsearchStore({ node: url!, indexPrefix: (closed as ElasticsearchStore).indexNames.prefix }),
  };
  storeContract('elasticsearch', makeStore, options);
  alertStoreContract('elasticsearch', makeStore, options);
  incidentStoreContract('elasticsearch', makeStore, options);

  afterAll(async () => {
    const client = new Client({ node: url! });
    try {
      for (const prefix of prefixes) await deleteNamespace(client, prefix);
    } finally {
      await client.close();
    }
  });
});
