/**
 * A 200 whose JSON body is not an object (`null`, a number, an array) is a bad answer: retried,
 * then a retryable CloudError, never a TypeError.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createTransport } from '#shared/adapters/cloud/transport.js';

describe('transport: a 200 that is JSON but not an object', () => {
  let server: Server;
  let url: string;
  let bodies: string[];
  let calls: number;
  beforeAll(async () => {
    server = createServer((_req, res) => {
      const body = bodies[Math.min(calls++, bodies.length - 1)]!;
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(body);
    }).listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => server.close());
  beforeEach(() => {
    calls = 0;
  });
  const transport = () =>
    createTransport({
      baseUrl: url,
      retry: { baseDelayMs: 1, maxDelayMs: 2, budgetMs: 2000, timeoutMs: 500, maxAttempts: 3 },
    });

  it.each(['null', '42', '[]', '"text"'])(
    '%s is retried, then a retryable bad answer',
    async (b) => {
      // Arrange
      bodies = [b];
      // Act
      const call = transport().request({ method: 'GET', path: '/x' });
      // Assert
      await expect(call).rejects.toMatchObject({ code: 'BAD_JSON', retryable: true });
      expect(calls).toBe(3);
    },
  );

  it('a bad answer then an envelope: the envelope is the answer', async () => {
    // Arrange
    bodies = ['null', JSON.stringify({ errcode: '0000', description: 'ok', data: 1 })];
    // Act
    const { reply } = await transport().request({ method: 'GET', path: '/x' });
    // Assert
    expect(reply).toMatchObject({ code: '0000', data: 1 });
    expect(calls).toBe(2);
  });
});
