import { expect } from 'chai';
import { assessorCalendar, type CalendarEntry } from '../../src/bookings/calendar.js';
import { bookingTimes } from '../../src/bookings/rules.js';
import type { BookingRow } from '../../src/bookings/store.js';
import { fold, text } from '../../src/bookings/icalendar.js';
import { readFeed } from '../support/calendar.js';

/** A booking at a London wall-clock time, last changed at `updatedAt` (UTC). */
function entry(
  id: number,
  localStart: string,
  overrides: Partial<BookingRow> = {},
  extra: Partial<CalendarEntry> = {},
) {
  const times = bookingTimes(localStart, 90);
  if ('error' in times) throw new Error(times.error);
  const booking: BookingRow = {
    id,
    apprenticeId: 1,
    submissionId: 1,
    methodId: 'discussion',
    attempt: 1,
    assessorUserId: 7,
    startsAt: times.startsAt,
    endsAt: times.endsAt,
    localStart,
    mode: 'remote',
    region: null,
    location: null,
    link: 'https://meet.example/epa?room=1;x=2',
    status: 'confirmed',
    statusReason: null,
    holdExpiresAt: null,
    sequence: 0,
    rescheduledFromId: null,
    createdBy: null,
    createdAt: '2025-01-10T09:00:00.000Z',
    updatedAt: '2025-01-10T09:30:15.000Z',
    ...overrides,
  };
  return {
    booking,
    methodName: 'Professional discussion',
    apprenticeName: 'Ada Lovelace',
    seriesId: id,
    sequence: booking.sequence,
    movedAway: false,
    adjustments: null,
    ...extra,
  };
}

describe('assessor calendar feed (iCalendar)', () => {
  it('gives London times on both sides of each clock change, as both parsers read them', () => {
    const feed = assessorCalendar('Sam Assessor', [
      entry(1, '2025-03-29T10:00'), // Saturday before the clocks go forward: GMT
      entry(2, '2025-03-31T10:00'), // Monday after: BST
      entry(3, '2025-10-25T10:00'), // Saturday before the clocks go back: BST
      entry(4, '2025-10-27T10:00'), // Monday after: GMT
    ]);
    expect(readFeed(feed).map((e) => [e.start, e.end])).to.deep.equal([
      ['2025-03-29T10:00:00.000Z', '2025-03-29T11:30:00.000Z'],
      ['2025-03-31T09:00:00.000Z', '2025-03-31T10:30:00.000Z'],
      ['2025-10-25T09:00:00.000Z', '2025-10-25T10:30:00.000Z'],
      ['2025-10-27T10:00:00.000Z', '2025-10-27T11:30:00.000Z'],
    ]);
    expect(feed).to.contain('DTSTART;TZID=Europe/London:20250331T100000\r\n');
  });

  it('stamps each event with its last change in UTC, and ends every line, the last one too, in CRLF', () => {
    const feed = assessorCalendar('Sam Assessor', [entry(1, '2025-06-02T10:00')]);
    expect(feed).to.contain('\r\nDTSTAMP:20250110T093015Z\r\n');
    expect(feed.endsWith('END:VCALENDAR\r\n')).to.equal(true);
    expect(feed).not.to.match(/TIMEZONE-ID|X-WR-/);
    expect(readFeed(feed)[0]).to.include({ stamp: '2025-01-10T09:30:15.000Z', uid: 'booking-1@epa-platform.bookings' });
  });

  it('keeps any name, escaped and folded, exactly as it was written', () => {
    // (A backslash before an "n" is left out: node-ical reads the escaped pair "\\n" as a line break.)
    const name = 'Llŷr Zoë Łukasiewicz-O’Brien; “Workers’ Union”, branch\\south\nsecond line '.repeat(2);
    const feed = assessorCalendar('Łukasz', [
      {
        ...entry(1, '2025-06-02T10:00', {
          mode: 'in_person',
          link: null,
          location: 'Unite House; 128, Theobald’s Road',
        }),
        apprenticeName: name,
      },
    ]);
    const [event] = readFeed(feed);
    expect(event!.summary).to.equal(`Professional discussion: ${name}`);
    expect(event!.location).to.equal('Unite House; 128, Theobald’s Road');
  });

  it('names the status calendars act on: tentative while held, cancelled when it ended or moved to another assessor', () => {
    const feed = assessorCalendar('Sam Assessor', [
      entry(1, '2025-06-02T10:00', { status: 'held' }),
      entry(2, '2025-06-03T10:00', { status: 'declined' }),
      entry(3, '2025-06-04T10:00', { status: 'confirmed' }, { movedAway: true, sequence: 3 }),
      entry(4, '2025-06-05T10:00', { status: 'completed' }),
    ]);
    expect(readFeed(feed).map((e) => [e.status, e.sequence])).to.deep.equal([
      ['TENTATIVE', 0],
      ['CANCELLED', 0],
      ['CANCELLED', 3],
      ['CONFIRMED', 0],
    ]);
  });

  describe('its text rules (RFC 5545 3.1 and 3.3.11)', () => {
    it('escapes backslash, semicolon, comma and line breaks', () => {
      expect(text('a\\b;c,d\ne\r\nf')).to.equal('a\\\\b\\;c\\,d\\ne\\nf');
    });

    it('folds at 75 octets with a space, never inside a character', () => {
      const line = `SUMMARY:${'ŷ'.repeat(60)}`;
      const folded = fold(line);
      expect(folded.map((l) => Buffer.byteLength(l, 'utf8'))).to.deep.equal([74, 55]);
      expect(folded.slice(1).every((l) => l.startsWith(' '))).to.equal(true);
      expect(folded.map((l, i) => (i === 0 ? l : l.slice(1))).join('')).to.equal(line);
      expect(fold('x'.repeat(75))).to.deep.equal(['x'.repeat(75)]);
      expect(fold('x'.repeat(76))).to.deep.equal(['x'.repeat(75), ' x']);
    });
  });
});
