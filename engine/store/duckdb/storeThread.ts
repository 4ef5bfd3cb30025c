import { parentPort, workerData } from 'node:worker_threads';
import { DuckdbStore, type DuckdbStoreOptions } from './duckdbStore.js';
import { unpackRows, type PackedRows } from './eventRows.js';

/**
 * The thread that owns the DuckDB database (see threadedDuckdbStore.ts). It runs the store's
 * methods one message at a time as they arrive; each answer carries the request's id.
 */
export interface StoreRequest {
  id: number;
  method: string;
  args: unknown[];
  /** A request passed as one JSON text (insertEventsJson, explainAccessesText, insertEventRowsExplainingText's request): far cheaper to pass between threads than objects. */
  json?: string;
  /** insertEventRows, insertEventRowsExplainingText: the batch's columns, packed (see PackedRows); the method's first argument. */
  rows?: PackedRows;
}

export type StoreReply =
  | { id: number; result: unknown }
  | { id: number; error: { name: string; message: string } };

const port = parentPort;
if (!port) throw new Error('storeThread must run in a worker thread');
const store = new DuckdbStore(workerData as DuckdbStoreOptions);

port.on('message', (request: StoreRequest) => {
  const method = (store as unknown as Record<string, (...args: unknown[]) => Promise<unknown>>)[request.method];
  // Packed rows come first; insertEventsJson parses its text itself, the others sent as JSON text take it parsed.
  // Read inside the chain: a request that cannot be read is answered with its error, the thread goes on.
  const argsOf = () => [
    ...(request.rows === undefined ? [] : [unpackRows(request.rows)]),
    ...(request.json === undefined ? request.args : [request.method === 'insertEventsJson' ? request.json : JSON.parse(request.json)]),
  ];
  Promise.resolve()
    .then(() => method.apply(store, argsOf()))
    .then(
      (result) => port.postMessage({ id: request.id, result } satisfies StoreReply),
      (err: unknown) => {
        const error = err instanceof Error ? { name: err.name, message: err.message } : { name: 'Error', message: String(err) };
        port.postMessage({ id: request.id, error } satisfies StoreReply);
      },
    );
});
