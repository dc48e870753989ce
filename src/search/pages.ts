import { Router } from 'express';
import type { Db } from '../db/connection.js';
import { requireSignIn, userOf } from '../auth/authorize.js';
import { formErrors } from '../http/forms.js';
import { refusalError } from '../http/results.js';
import { paths } from '../paths.js';
import { fullName } from '../names.js';
import { SEARCH_LIMIT, searchForUser } from './service.js';

/** The search every page's header offers: apprentices in the person's own scope. */
export function searchRoutes(db: Db): Router {
  const router = Router();
  router.get(paths.search, requireSignIn, (req, res) => {
    const q = typeof req.query.q === 'string' ? req.query.q : '';
    const result = searchForUser(db, userOf(res), req.query);
    if (!result.ok) {
      if (result.kind !== 'invalid') throw refusalError(result);
      return res
        .status(400)
        .render('search/results', { title: 'Search apprentices', q, ...formErrors(result.problems) });
    }
    res.render('search/results', {
      title: `Search: ${result.value.q}`,
      q: result.value.q,
      searched: true,
      limit: SEARCH_LIMIT,
      more: result.value.more,
      found: result.value.found.map(({ apprentice: a, href }) => ({
        name: fullName(a),
        uln: a.uln,
        employer: a.employerName,
        standard: `${a.standardReference} ${a.standardTitle}`,
        href,
      })),
    });
  });
  return router;
}
