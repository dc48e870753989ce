import { testClock } from '../support/clock.js';
import { expect } from 'chai';
import nodemailer, { type Transporter } from 'nodemailer';
import { deliverOutbox } from '../../src/notifications/mailer.js';
import { outbox } from '../../src/db/schema.js';
import { loadConfig } from '../../src/config.js';
import { testDb } from '../support/app.js';

describe('notification delivery', () => {
  it('sends waiting outbox messages through the transport and marks them sent', async () => {
    const { db } = await testDb();
    db.insert(outbox)
      .values([
        { toEmail: 'assessor@test.example', subject: 'Assessment booked', body: 'Held for: …' },
        { toEmail: 'provider@test.example', subject: 'Assessment booked', body: 'Held for: …' },
      ])
      .run();
    const transport = nodemailer.createTransport({ jsonTransport: true });
    const sent: string[] = [];
    const spy = {
      sendMail: async (mail: { to: string }) => {
        sent.push(mail.to);
        return transport.sendMail(mail);
      },
    } as unknown as Transporter;
    expect(await deliverOutbox(db, spy, 'epa@test.example', testClock)).to.equal(2);
    expect(sent).to.deep.equal(['assessor@test.example', 'provider@test.example']);
    expect(
      db
        .select()
        .from(outbox)
        .all()
        .every((m) => m.sentAt !== null && m.error === null),
    ).to.equal(true);
    expect(await deliverOutbox(db, spy, 'epa@test.example', testClock)).to.equal(0);
  });

  it('keeps a message that could not be sent, with the error, to try again', async () => {
    const { db } = await testDb();
    db.insert(outbox).values({ toEmail: 'assessor@test.example', subject: 'Assessment booked', body: '…' }).run();
    const failing = { sendMail: () => Promise.reject(new Error('Connection refused')) } as unknown as Transporter;
    expect(await deliverOutbox(db, failing, 'epa@test.example', testClock)).to.equal(0);
    expect(db.select().from(outbox).get()).to.include({ sentAt: null, error: 'Connection refused' });
  });

  it('reads SMTP_URL and MAIL_FROM from the environment', () => {
    expect(loadConfig({}).smtpUrl).to.equal(null);
    expect(loadConfig({ SMTP_URL: 'smtp://mail.example.org:587', MAIL_FROM: 'epa@example.org' })).to.include({
      smtpUrl: 'smtp://mail.example.org:587',
      mailFrom: 'epa@example.org',
    });
    expect(() => loadConfig({ SMTP_URL: 'mail.example.org' })).to.throw(/SMTP_URL must be an smtp/);
  });
});
