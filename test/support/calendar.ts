import { expect } from 'chai';
import ICAL from 'ical.js';
import ical from 'node-ical';

/*
 * Reads an iCalendar feed as calendar apps do: with two independent parsers from npm (node-ical
 * and ical.js, Mozilla's), which must agree, after RFC 5545's rules on the text itself that a
 * lenient parser would let pass:
 * - every content line, the last one included, ends in CRLF (3.1);
 * - no line is longer than 75 octets (3.1);
 * - DTSTAMP is a UTC date-time, with its "Z" (3.8.7.2, 3.3.5);
 * - every property is one RFC 5545 or RFC 7986 defines (no X- or IANA-unregistered names).
 */

const PROPERTIES = new Set([
  // RFC 5545 3.7 calendar properties, RFC 7986 5.1 NAME.
  ...['VERSION', 'PRODID', 'CALSCALE', 'METHOD', 'NAME'],
  // RFC 5545 3.8 component properties used by events and time zones.
  ...['UID', 'DTSTAMP', 'SEQUENCE', 'DTSTART', 'DTEND', 'SUMMARY', 'DESCRIPTION', 'LOCATION', 'STATUS', 'URL'],
  ...['TZID', 'TZOFFSETFROM', 'TZOFFSETTO', 'TZNAME', 'RRULE'],
]);

export interface FeedEvent {
  uid: string;
  sequence: number;
  status: string;
  /** UTC instants, ISO. */
  start: string;
  end: string;
  stamp: string;
  summary: string;
  location: string | null;
  description: string | null;
}

function rfcProblems(feed: string): string[] {
  const problems: string[] = [];
  if (!feed.endsWith('\r\n')) problems.push('the last line does not end in CRLF');
  const lines = feed.split('\r\n').slice(0, -1);
  lines.forEach((line, i) => {
    if (line.includes('\n') || line.includes('\r')) problems.push(`line ${i + 1} has a bare line break`);
    if (Buffer.byteLength(line, 'utf8') > 75) problems.push(`line ${i + 1} is longer than 75 octets`);
  });
  const unfolded = feed
    .replace(/\r\n[ \t]/g, '')
    .split('\r\n')
    .slice(0, -1);
  for (const line of unfolded) {
    const name = /^[A-Z0-9-]+/i.exec(line)?.[0]?.toUpperCase() ?? '';
    if (name === 'BEGIN' || name === 'END') continue;
    if (!PROPERTIES.has(name)) problems.push(`non-standard property ${name}`);
    if (name === 'DTSTAMP' && !/^DTSTAMP:\d{8}T\d{6}Z$/.test(line)) problems.push(`DTSTAMP is not UTC: ${line}`);
  }
  return problems;
}

function byNodeIcal(feed: string): FeedEvent[] {
  return Object.values(ical.sync.parseICS(feed))
    .filter((c): c is ical.VEvent => c?.type === 'VEVENT')
    .map((e) => ({
      uid: e.uid,
      sequence: Number(e.sequence),
      status: String(e.status),
      start: e.start.toISOString(),
      end: e.end!.toISOString(),
      stamp: e.dtstamp.toISOString(),
      summary: typeof e.summary === 'string' ? e.summary : e.summary.val,
      location: e.location ? (typeof e.location === 'string' ? e.location : e.location.val) : null,
      description: e.description ? (typeof e.description === 'string' ? e.description : e.description.val) : null,
    }));
}

function byIcalJs(feed: string): FeedEvent[] {
  const calendar = new ICAL.Component(ICAL.parse(feed));
  for (const zone of calendar.getAllSubcomponents('vtimezone')) ICAL.TimezoneService.register(zone);
  return calendar.getAllSubcomponents('vevent').map((component) => {
    const event = new ICAL.Event(component);
    const stamp = component.getFirstPropertyValue('dtstamp') as ICAL.Time;
    const location = component.getFirstPropertyValue('location');
    const description = component.getFirstPropertyValue('description');
    return {
      uid: event.uid,
      sequence: event.sequence,
      status: String(component.getFirstPropertyValue('status')),
      start: event.startDate.toJSDate().toISOString(),
      end: event.endDate.toJSDate().toISOString(),
      stamp: stamp.toJSDate().toISOString(),
      summary: event.summary,
      location: typeof location === 'string' ? location : null,
      description: typeof description === 'string' ? description : null,
    };
  });
}

/** The feed's events as both parsers read them, in order, once the feed has passed RFC 5545's rules. */
export function readFeed(feed: string): FeedEvent[] {
  expect(rfcProblems(feed), 'RFC 5545').to.deep.equal([]);
  const mozilla = byIcalJs(feed);
  expect(byNodeIcal(feed), 'node-ical and ical.js read the feed alike').to.deep.equal(mozilla);
  return mozilla;
}
