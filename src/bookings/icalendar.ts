import { DateTime } from 'luxon';

/*
 * Just enough of iCalendar (RFC 5545) to publish a feed, written here so every line is ours to
 * check: content lines end in CRLF, the last one too (3.1); lines longer than 75 octets are
 * folded with CRLF and a space, never inside a UTF-8 character (3.1); TEXT values escape
 * backslash, semicolon, comma and line breaks (3.3.11); DTSTAMP is a UTC date-time (3.8.7.2),
 * written with its "Z" (3.3.5, form #2); local times carry a TZID parameter (3.3.5, form #3).
 */

const LIMIT = 75;

/** A property: name, optional parameters (already valid parameter values) and its value as written. */
export interface Property {
  name: string;
  params?: Record<string, string>;
  value: string;
}

/** Escapes a TEXT value (RFC 5545 3.3.11). */
export function text(value: string): string {
  return value
    .replace(/\\/g, '\\\\')
    .replace(/;/g, '\\;')
    .replace(/,/g, '\\,')
    .replace(/\r\n|\r|\n/g, '\\n');
}

/** A UTC DATE-TIME: 19980119T070000Z. */
export function utcDateTime(at: DateTime): string {
  return at.toUTC().toFormat("yyyyMMdd'T'HHmmss'Z'");
}

/** A DATE-TIME of local time in the given zone, to write with TZID=zone. */
export function localDateTime(at: DateTime, zone: string): string {
  return at.setZone(zone).toFormat("yyyyMMdd'T'HHmmss");
}

/** Splits one content line into folded lines of at most 75 octets, never inside a character. */
export function fold(line: string): string[] {
  const lines: string[] = [];
  let current = '';
  let octets = 0;
  for (const char of line) {
    const size = Buffer.byteLength(char, 'utf8');
    // A continuation line begins with one space, which counts towards its 75 octets.
    if (octets + size > LIMIT) {
      lines.push(current);
      current = ' ';
      octets = 1;
    }
    current += char;
    octets += size;
  }
  lines.push(current);
  return lines;
}

export function contentLine({ name, params = {}, value }: Property): string[] {
  const written = Object.entries(params)
    .map(([key, v]) => `;${key}=${v}`)
    .join('');
  return fold(`${name}${written}:${value}`);
}

/** A component (VCALENDAR, VEVENT, …) with its properties and components, as content lines. */
export interface Component {
  name: string;
  properties: Property[];
  components?: Component[];
  /** Lines written as they are (a VTIMEZONE kept as text). */
  raw?: string[];
}

function linesOf(component: Component): string[] {
  return [
    `BEGIN:${component.name}`,
    ...component.properties.flatMap(contentLine),
    ...(component.raw ?? []),
    ...(component.components ?? []).flatMap(linesOf),
    `END:${component.name}`,
  ];
}

/** The iCalendar object as text: every line, the last one included, ends in CRLF. */
export function serialise(calendar: Component): string {
  return linesOf(calendar)
    .map((line) => `${line}\r\n`)
    .join('');
}
