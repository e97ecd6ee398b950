import { readFileSync } from 'node:fs';
import { scheduledEventSchema } from '#shared/domain/schemas/events.js';
import { syncMessageSchema, syncRequestSchema } from '#shared/domain/schemas/sync.js';
import { billEventSchema, writebackMessageSchema } from '#shared/domain/schemas/bills.js';
import { callbackMessageSchema, resultPushSchema } from '#shared/domain/schemas/interaction.js';

const load = (name: string): any =>
  JSON.parse(readFileSync(new URL(`../../events/${name}.json`, import.meta.url), 'utf8'));

describe('sample events in events/ parse with the schemas the functions use', () => {
  it('manual sync, schedules and the sync queue message', () => {
    expect(syncRequestSchema.safeParse(load('manual-sync')).success).toBe(true);
    expect(scheduledEventSchema.safeParse(load('daily-sync')).success).toBe(true);
    expect(scheduledEventSchema.safeParse(load('sync-retry')).success).toBe(true);
    expect(scheduledEventSchema.safeParse(load('push-consumer')).success).toBe(true);
    expect(scheduledEventSchema.safeParse(load('order-fetch')).success).toBe(true);
    expect(
      syncMessageSchema.safeParse(JSON.parse(load('sync-worker').Records[0].body)).success,
    ).toBe(true);
    expect(billEventSchema.safeParse(load('bill-event')).success).toBe(true);
    expect(
      callbackMessageSchema.safeParse(JSON.parse(load('callback-sender').Records[0].body)).success,
    ).toBe(true);
    expect(resultPushSchema.safeParse(load('billing-result')).success).toBe(true);
    expect(
      writebackMessageSchema.safeParse(JSON.parse(load('bill-writeback').Records[0].body)).success,
    ).toBe(true);
  });
  it('every API sample names a route of the route table', async () => {
    const { ROUTES } = await import('#functions/routes.js');
    for (const fn of ['sync-api', 'invoices-api', 'bills-api', 'interaction-api', 'config-api']) {
      const e = load(`api-${fn}`);
      expect([fn, (ROUTES as Record<string, { fn: string }>)[e.routeKey]?.fn]).toEqual([fn, fn]);
    }
  });
  it('a schedule event without time is refused', () => {
    expect(scheduledEventSchema.safeParse({ ...load('daily-sync'), time: undefined }).success).toBe(
      false,
    );
  });
});
