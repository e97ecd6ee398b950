import * as z from 'zod';

/** An EventBridge scheduled event: at least `time`, which the schedule handlers take as "now". */
export const scheduledEventSchema = z.object({ time: z.iso.datetime({ offset: true }) }).loose();

/**
 * The envelope of an SQS event, as Lambda delivers it (records are parsed one by one afterwards).
 */
export const sqsEventSchema = z
  .object({
    Records: z
      .array(
        z
          .object({
            messageId: z.string(),
            body: z.string(),
            attributes: z.record(z.string(), z.string()).optional(),
          })
          .loose(),
      )
      .min(1),
  })
  .loose();
