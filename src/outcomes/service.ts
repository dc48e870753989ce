import type { Db } from '../db/connection.js';
import { type CurrentUser } from '../users/store.js';
import { type ApprenticeScope, apprenticeScope } from '../apprentices/access.js';
import { findStandardVersionId } from '../standards/store.js';
import { type ReportFilter } from './dashboard.js';
import type { ReportQuery } from './schemas.js';

/** Whose results a user's reports cover: the EPAO's staff (administrators, quality assurers) see all; a provider its own. */
export function reportScope(user: CurrentUser): ApprenticeScope {
  return user.role === 'quality_assurer' ? { kind: 'all' } : apprenticeScope(user);
}

/** Turns the query into a filter: a provider is always held to its own apprentices, whatever the query says. */
export function filterOf(db: Db, query: ReportQuery, scope: ApprenticeScope): ReportFilter | { unknownStandard: true } {
  let standardVersionId: number | undefined;
  if (query.standard) {
    const [reference, version] = query.standard.split('/') as [string, string];
    standardVersionId = findStandardVersionId(db, reference, version);
    if (standardVersionId === undefined) return { unknownStandard: true };
  }
  return {
    standardVersionId,
    from: query.from,
    to: query.to,
    providerUkprn: scope.kind === 'provider' ? scope.ukprn : query.provider,
    employerId: query.employer,
    assessorUserId: query.assessor,
    methodId: query.method,
  };
}
