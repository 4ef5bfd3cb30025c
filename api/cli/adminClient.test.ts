import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addSource, addUser } from './adminClient.js';

const adminToken = 'admin-token';
const received: { path: string; body: unknown }[] = [];
let server: Server;
let url: string;

/** The admin contract, minimally: 201 with a new key or token for the admin token, else 401. */
beforeAll(async () => {
  server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const send = (status: number, body: unknown): void => {
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    };
    if (req.headers.authorization !== `Bearer ${adminToken}`) {
      return send(401, { error: { code: 'AW_ERR_BAD_TOKEN', message: 'the token has expired' } });
    }
    const body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    received.push({ path: req.url ?? '', body });
    if (req.url === '/v1/admin/sources') return send(201, { key: 'aw_src_new_key' });
    if (req.url === '/v1/admin/users' && body.role === 'nobody') {
      return send(400, { error: { code: 'AW_ERR_INVALID_BODY', message: 'body/role must be one of the allowed values' } });
    }
    if (req.url === '/v1/admin/users') return send(201, { token: 'aw_user_new_token' });
    send(404, { error: { code: 'AW_ERR_NOT_FOUND', message: 'no such route' } });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

describe('addSource', () => {
  it('registers the source and returns its key', async () => {
    const key = await addSource({
      url,
      token: adminToken,
      system: 'emis-web',
      organisations: ['A81001'],
      scopes: ['events', 'reference'],
    });

    expect(key).toBe('aw_src_new_key');
    expect(received.at(-1)).toEqual({
      path: '/v1/admin/sources',
      body: { system: 'emis-web', organisations: ['A81001'], scopes: ['events', 'reference'] },
    });
  });

  it('says the server refused the token, with the status and the server message', async () => {
    const failure = addSource({ url, token: 'stale', system: 'emis-web', organisations: ['A81001'], scopes: ['events'] });

    await expect(failure).rejects.toThrow('the server refused the token (401): the token has expired');
  });

  it('says the server cannot be reached and how to start it', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const closedUrl = `http://127.0.0.1:${(closed.address() as AddressInfo).port}`;
    await new Promise((resolve) => closed.close(resolve));

    const failure = addSource({ url: closedUrl, token: adminToken, system: 's', organisations: [], scopes: ['events'] });

    await expect(failure).rejects.toThrow(`cannot reach the accesswatch server at ${closedUrl}`);
    await expect(failure).rejects.toThrow('Start it with `accesswatch serve`');
  });
});

describe('addUser', () => {
  it('registers the person and returns their token', async () => {
    const token = await addUser({ url, token: adminToken, name: 'Priya Shah', role: 'ig-officer', organisations: ['RX1'] });

    expect(token).toBe('aw_user_new_token');
    expect(received.at(-1)).toEqual({
      path: '/v1/admin/users',
      body: { name: 'Priya Shah', role: 'ig-officer', organisations: ['RX1'] },
    });
  });

  it('passes on why the server rejected the request', async () => {
    const failure = addUser({ url, token: adminToken, name: 'X', role: 'nobody' as 'admin', organisations: [] });

    await expect(failure).rejects.toThrow('the server rejected the request (400): body/role must be one of the allowed values');
  });

  it('refuses a URL that is not one', async () => {
    await expect(addUser({ url: 'localhost 8080', token: adminToken, name: 'X', role: 'admin', organisations: [] })).rejects.toThrow(
      'is not a valid server URL',
    );
  });
});
