import * as z from 'zod';

/** An EventBridge scheduled event: at least `time`, which the schedule handlers take as "now". */
export const scheduledEventSchema = z.object({ time: z.iso.datetime({ offset: true }) }).loose();
