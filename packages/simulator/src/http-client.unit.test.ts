import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { keptAliveClient } from './http-client.ts';

let server: Server | undefined;
afterEach(() => new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve())));

/** A server that echoes what it got, and counts the connections it accepted. */
async function echo(): Promise<{ url: string; connections: () => number }> {
  let connections = 0;
  server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (body += chunk));
    req.on('end', () => {
      res.writeHead(req.url === '/missing' ? 404 : 200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ method: req.method, url: req.url, type: req.headers['content-type'] ?? null, body }));
    });
  });
  server.on('connection', () => connections++);
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, connections: () => connections };
}

describe('keptAliveClient', () => {
  it('sends the method, headers and body, and answers the status and the body as text', async () => {
    const { url } = await echo();
    const client = keptAliveClient();
    const sent = await client.request('POST', `${url}/v1/x?a=1`, { 'content-type': 'application/json' }, '{"k":"值"}');
    expect(sent.status).toBe(200);
    expect(JSON.parse(sent.text)).toEqual({ method: 'POST', url: '/v1/x?a=1', type: 'application/json', body: '{"k":"值"}' });
    expect((await client.request('GET', `${url}/missing`)).status).toBe(404);
    client.close();
  });

  it('carries requests one after another on one connection', async () => {
    const { url, connections } = await echo();
    const client = keptAliveClient();
    for (let i = 0; i < 5; i++) expect((await client.request('GET', `${url}/n${i}`)).status).toBe(200);
    expect(connections()).toBe(1);
    client.close();
  });

  it('answers status 0 with the error code when nothing listens, and does not reject', async () => {
    const { url } = await echo();
    await new Promise<void>((resolve) => server!.close(() => resolve()));
    server = undefined;
    const client = keptAliveClient();
    expect(await client.request('GET', `${url}/`)).toEqual({ status: 0, text: '', error: 'ECONNREFUSED' });
    client.close();
  });
});
