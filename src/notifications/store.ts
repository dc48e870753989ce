import { desc } from 'drizzle-orm';
import type { Db, Queryable } from '../db/connection.js';
import { outbox } from '../db/schema.js';

/**
 * Queues one email, inside the caller's transaction, so that a change and the message about it are
 * written together or not at all. The mailer (mailer.ts) sends what is queued when SMTP is set up;
 * otherwise it stays in the outbox page.
 */
export function queueNotification(tx: Queryable, message: { to: string; subject: string; body: string }): void {
  tx.insert(outbox).values({ toEmail: message.to, subject: message.subject, body: message.body }).run();
}

/** The latest 200 notifications, newest first, for the outbox page. */
export function outboxMessages(db: Db) {
  return db.select().from(outbox).orderBy(desc(outbox.id)).limit(200).all();
}
