import { readFileSync } from 'node:fs';
import type { RequestHandler } from 'express';

/**
 * govuk-frontend's compiled style sheet, without its GDS Transport @font-face rules.
 *
 * This is not a GOV.UK service, so it must not use the GDS Transport typeface (licensed to GOV.UK
 * services only) and does not serve its files. Left in, those rules make a browser ask for
 * /assets/fonts/… whenever public/app.css's own "GDS Transport" faces (fonts already on the
 * device) find none installed: a request for a file the app does not serve. Removed here, the
 * name resolves only to the device's fonts, or to the stack's own fallback (arial, sans-serif).
 */
export function withoutBundledFonts(css: string): string {
  return css.replace(/@font-face\{[^}]*\}/g, (rule) => (/url\(\/assets\/fonts\//.test(rule) ? '' : rule));
}

/** Serves the style sheet read (and trimmed) once, at start-up, as express.static would: cached for an hour. */
export function govukStylesheet(file: string): RequestHandler {
  const css = withoutBundledFonts(readFileSync(file, 'utf8'));
  return (_req, res) => {
    res.set('Cache-Control', 'public, max-age=3600').type('text/css').send(css);
  };
}
