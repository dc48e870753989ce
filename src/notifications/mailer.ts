import type { Clock } from '../clock.js';
import { isoInstant } from '../dates.js';
import { asc, eq, isNull } from 'drizzle-orm';
import nodemailer, { type Transporter } from 'nodemailer';
import type { Db } from '../db/connection.js';
import { outbox } from '../db/schema.js';

/** How notifications leave: an SMTP server when one is configured; otherwise they stay in the outbox page. */
export function smtpTransport(smtpUrl: string): Transporter {
  return nodemailer.createTransport(smtpUrl);
}

/**
 * Sends what is waiting in the outbox, oldest first, marking each message sent or recording
 * the error (and trying again next time). Returns how many were sent.
 */
export async function deliverOutbox(
  db: Db,
  transport: Transporter,
  from: string,
  clock: Clock,
  limit = 50,
): Promise<number> {
  const waiting = db.select().from(outbox).where(isNull(outbox.sentAt)).orderBy(asc(outbox.id)).limit(limit).all();
  let sent = 0;
  for (const message of waiting) {
    try {
      await transport.sendMail({ from, to: message.toEmail, subject: message.subject, text: message.body });
      db.update(outbox)
        .set({ sentAt: isoInstant(clock.now()), error: null })
        .where(eq(outbox.id, message.id))
        .run();
      sent += 1;
    } catch (error) {
      db.update(outbox)
        .set({ error: error instanceof Error ? error.message.slice(0, 500) : 'Could not send' })
        .where(eq(outbox.id, message.id))
        .run();
    }
  }
  return sent;
}
