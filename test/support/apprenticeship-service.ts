import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/*
 * A faithful fake of the apprenticeship service's Record a Grade API, for the tests: a real HTTP
 * server on a random port that applies the service's own rules to certificate requests, with
 * its own messages. Where each rule comes from, in SkillsFundingAgency/das-assessor-service:
 *  - EXT = src/SFA.DAS.AssessorService.Application.Api.External (the API EPAOs call);
 *  - VAL = src/SFA.DAS.AssessorService.Application.Api/Validators/ExternalApi (its validators).
 *
 * - Authentication: the Ocp-Apim-Subscription-Key header; the UKPRN comes from the subscription,
 *   never from the body (EXT/Middleware/GetHeadersMiddleware.cs).
 * - At most 25 items a request, or 403 "Batch limited to 25 requests" for the whole request
 *   (EXT/Controllers/CertificateController.cs, MAX_CERTIFICATES_IN_REQUEST).
 * - A body that is not the model's shape: 403 with the fixed "invalid input" message.
 * - Each item is answered in order, { requestId, certificate?, validationErrors }, and one bad
 *   item never fails the others (Application.Api/Controllers/ExternalApi/CertificateBatchController.cs).
 * - The rules of each item (VAL/Certificates/BatchCertificateRequestValidator.cs and
 *   CreateBatchCertificateRequestValidator.cs), checked below in the validator's order:
 *   ULN range, family name, a valid standard (code and reference of the same standard), the
 *   version, the learner record (ULN, family name and standard), the EPAO's approval for the
 *   standard and version, the course option (none for a version without options, one of its options,
 *   ignoring case, for a version with them), the postal contact (name, address line 1, city, postcode and its UK
 *   pattern), the grade (not Fail, one of its list), the achievement date (given, not before
 *   1 January 2017, not in the future), and no certificate already held for the learner, unless
 *   it is a submitted Fail ("a submitted fail can be re-created", after a resit or retake).
 * - Submit (VAL/Certificates/SubmitBatchCertificateRequestValidator.cs): the reference given,
 *   the certificate found by it, and not submitted already.
 * - EPA records, for a Fail or a withdrawal (VAL/Epas/BatchEpaRequestValidator.cs and
 *   CreateBatchEpaRequestValidator.cs; EXT/Controllers/EpaController.cs, the same 25 limit): the
 *   same learner, standard, version, option and approval rules, EPA details given, each EPA's date (not
 *   before 1 January 2017, not in the future) and outcome (Pass, Fail or Withdrawn), and nothing
 *   held for the learner already ("EPA already provided for the learner" over a submitted Fail,
 *   "Certificate already exists, cannot create EPA record" over a certificate). Answered { requestId, epaReference,
 *   validationErrors }; the reference is the certificate's. A record whose latest outcome is a Fail
 *   is a submitted Fail; one whose latest is a withdrawal a draft with no grade, over which a
 *   certificate may also be made (VAL/Certificates/CreateBatchCertificateRequestValidator.cs) but no
 *   second record created ("EPA already provided for the learner").
 * - EPA record updates, PUT /api/v1/epa (VAL/Epas/UpdateBatchEpaRequestValidator.cs; EXT EpaController
 *   UpdateEpaRecords; Application/Handlers/ExternalApi/Epas/UpdateBatchEpaHandler.cs): the same
 *   learner and EPA rules, the EpaReference given ("Provide EPA reference") and the one held for the
 *   learner ("EPA not found"), and a record, not a certificate ("Certificate already exists, cannot
 *   update EPA record"). The update replaces the record's outcomes with those sent.
 */

export interface FakeLearner {
  uln: number;
  familyName: string;
  standardCode: number;
  standardReference: string;
  version: string;
}

/** The service's grade list (EXT CertificateController.GetGrades; DOM/CertificateGrade.cs). */
const GRADES = ['Pass', 'Credit', 'Merit', 'Distinction', 'Pass with excellence', 'Outstanding', 'No grade awarded'];
/** The service's UK postcode pattern (VAL/Certificates/BatchCertificateRequestValidator.cs). */
const POSTCODE =
  /^(([gG][iI][rR] {0,}0[aA]{2})|((([a-pr-uwyzA-PR-UWYZ][a-hk-yA-HK-Y]?[0-9][0-9]?)|(([a-pr-uwyzA-PR-UWYZ][0-9][a-hjkstuwA-HJKSTUW])|([a-pr-uwyzA-PR-UWYZ][a-hk-yA-HK-Y][0-9][abehmnprv-yABEHMNPRV-Y]))) {0,}[0-9][abd-hjlnp-uw-zABD-HJLNP-UW-Z]{2}))$/;
const INVALID_INPUT =
  'Your request contains invalid input. Please ensure it matches the swagger definition and try again.';

type Json = Record<string, unknown>;
const text = (v: unknown) => (typeof v === 'string' ? v : '');
const blank = (v: unknown) => text(v).trim() === '';

export class FakeApprenticeshipService {
  readonly learners: FakeLearner[] = [];
  /** The options of each standard version that has them: "standard code/version" → option titles. */
  readonly options = new Map<string, string[]>();
  /** The EPAO's approvals: UKPRN → standard code → versions. */
  readonly approvals = new Map<number, Map<number, string[]>>();
  /** Subscription keys → UKPRN. */
  readonly keys = new Map<string, number>();
  /** Certificates made: `${uln}/${standardCode}` → reference. */
  readonly certificates = new Map<string, string>();
  /** The references that are submitted Fails (an EPA record of a Fail): a certificate may be made over one. */
  private readonly fails = new Set<string>();
  /** The references that are draft EPA records without a grade (latest outcome a withdrawal): a certificate may be made over one too. */
  private readonly drafts = new Set<string>();
  /** Each EPA record's outcomes, as last sent: reference → EpaOutcome values, oldest first. */
  readonly epaOutcomes = new Map<string, string[]>();
  /** References of certificates submitted. */
  readonly submitted = new Set<string>();
  /** Every request received, as parsed. */
  readonly received: { method: string; path: string; body: unknown }[] = [];
  private server: Server | undefined;
  private next = 1;

  constructor(private readonly today: () => string) {}

  /** The learner record an item names: its ULN on its standard (by code or reference). */
  private learnerOf(item: Json): FakeLearner | undefined {
    const standard = (item.Standard ?? {}) as Json;
    return this.learners.find(
      (l) =>
        l.uln === (item.Learner as Json | undefined)?.Uln &&
        (l.standardCode === standard.StandardCode || l.standardReference === standard.StandardReference),
    );
  }

  /** The checks certificates and EPA records share: UKPRN, learner, standard, version and approval. */
  private learnerProblems(item: Json, ukprn: number): { problems: string[]; record: FakeLearner | undefined } {
    const problems: string[] = [];
    const standard = (item.Standard ?? {}) as Json;
    const learner = (item.Learner ?? {}) as Json;
    const details = (item.LearningDetails ?? {}) as Json;
    const uln = typeof learner.Uln === 'number' ? learner.Uln : NaN;
    const code = typeof standard.StandardCode === 'number' ? standard.StandardCode : undefined;
    const reference = text(standard.StandardReference);
    const known = this.learners.find((l) => l.standardCode === code || l.standardReference === reference);
    if (!(ukprn >= 10_000_000 && ukprn <= 99_999_999)) problems.push('The UKPRN should contain exactly 8 numbers');
    if (blank(learner.FamilyName)) problems.push('Provide apprentice family name');
    if (!known) problems.push('Provide a valid Standard');
    else if (code !== undefined && reference && (known.standardCode !== code || known.standardReference !== reference))
      problems.push('StandardReference and StandardCode must be for the same Standard');
    // The standard's versions: those its learners are on.
    if (
      known &&
      details.Version !== undefined &&
      !this.learners.some((l) => l.standardCode === known.standardCode && l.version === text(details.Version))
    )
      problems.push('Invalid version for Standard');
    // The option: none for a version without options, one of its options (ignoring case) for a version with them.
    if (known && details.Version !== undefined) {
      const options = this.options.get(`${known.standardCode}/${text(details.Version)}`) ?? [];
      const option = text(details.CourseOption);
      if (options.length === 0 && option !== '')
        problems.push('No course option available for this Standard and version. Must be empty');
      else if (options.length > 0 && !options.some((o) => o.toLowerCase() === option.toLowerCase()))
        problems.push(
          `Invalid course option for this Standard and version. Must be one of the following: ${options.join(', ')} where ${options.join(', ')} depends on the standard code, and can be obtained with GET /api/v1/standard/options/${known.standardCode}/${text(details.Version)}`,
        );
    }
    if (!(uln >= 1_000_000_000 && uln <= 9_999_999_999)) problems.push('ULN should contain exactly 10 numbers');
    const record = this.learners.find(
      (l) =>
        l.uln === uln &&
        l.standardCode === known?.standardCode &&
        l.familyName.toLowerCase() === text(learner.FamilyName).toLowerCase(),
    );
    if (!record) problems.push('ULN, FamilyName and Standard not found.');
    const approved = known ? this.approvals.get(ukprn)?.get(known.standardCode) : undefined;
    if (!this.approvals.has(ukprn)) problems.push('Specified UKPRN not found');
    else if (!approved) problems.push('Your organisation is not approved to assess this Standard');
    else if (details.Version !== undefined && !approved.includes(text(details.Version)))
      problems.push(`Your organisation is not approved to assess this Standard Version: ${text(details.Version)}`);
    return { problems, record };
  }

  /** Why the service refuses one certificate request, in its validator's words; empty when it takes it. */
  certificateProblems(item: Json, ukprn: number): string[] {
    const { problems, record } = this.learnerProblems(item, ukprn);
    const details = (item.LearningDetails ?? {}) as Json;
    const contact = (item.PostalContact ?? {}) as Json;
    if (blank(contact.ContactName)) problems.push('Provide a contact name');
    if (blank(contact.AddressLine1)) problems.push('Provide an address');
    if (blank(contact.City)) problems.push('Provide a city or town');
    if (blank(contact.PostCode)) problems.push('Provide a postcode');
    else if (!POSTCODE.test(text(contact.PostCode))) problems.push('Provide a valid UK postcode');
    const grade = text(details.OverallGrade);
    if (blank(grade)) problems.push('Select the grade achieved');
    else if (grade.toLowerCase() === 'fail') problems.push('Cannot record a Fail grade via API');
    else if (!GRADES.some((g) => g.toLowerCase() === grade.toLowerCase()))
      problems.push(
        `You must enter a valid grade. Must be one of the following: ${GRADES.join(', ')}, where ${GRADES.join(', ')} can be obtained with /api/v1/certificate/grades`,
      );
    const date = text(details.AchievementDate).slice(0, 10);
    if (!/^\d{4}-\d{2}-\d{2}$/.test(date)) problems.push('Provide the achievement date');
    else if (date < '2017-01-01') problems.push('Achievement date cannot be before 01 01 2017');
    else if (date > this.today()) problems.push('Achievement date cannot be in the future');
    // A submitted Fail may be made a certificate again (after a resit), and so may a draft EPA record with no grade.
    const held = record ? this.certificates.get(`${record.uln}/${record.standardCode}`) : undefined;
    if (held && !this.fails.has(held) && !this.drafts.has(held)) problems.push(`Certificate already exists: ${held}`);
    return problems;
  }

  /** Why the service refuses one EPA record request, in its validator's words; empty when it takes it. */
  epaProblems(item: Json, ukprn: number): string[] {
    const { problems, record } = this.epaDetailsProblems(item, ukprn);
    const held = record ? this.certificates.get(`${record.uln}/${record.standardCode}`) : undefined;
    if (held)
      problems.push(
        this.fails.has(held) || this.drafts.has(held)
          ? 'EPA already provided for the learner'
          : 'Certificate already exists, cannot create EPA record',
      );
    return problems;
  }

  /** Why the service refuses one EPA record update, in its validator's words; empty when it takes it. */
  epaUpdateProblems(item: Json, ukprn: number): string[] {
    const { problems, record } = this.epaDetailsProblems(item, ukprn);
    if (blank(item.EpaReference)) return [...problems, 'Provide EPA reference'];
    const held = record ? this.certificates.get(`${record.uln}/${record.standardCode}`) : undefined;
    if (!held || held.toLowerCase() !== text(item.EpaReference).toLowerCase()) problems.push('EPA not found');
    else if (!this.fails.has(held) && !this.drafts.has(held))
      problems.push('Certificate already exists, cannot update EPA record');
    return problems;
  }

  /** The record holds these outcomes now: a submitted Fail when the latest is a Fail, otherwise a draft with no grade. */
  private recordOutcomes(reference: string, item: Json): void {
    const epas = [...(((item.EpaDetails as Json).Epas as Json[]) ?? [])].sort((a, b) =>
      text(a.EpaDate).localeCompare(text(b.EpaDate)),
    );
    const outcomes = epas.map((e) => text(e.EpaOutcome));
    this.epaOutcomes.set(reference, outcomes);
    const fail = outcomes.at(-1)?.toLowerCase() === 'fail';
    (fail ? this.fails : this.drafts).add(reference);
    (fail ? this.drafts : this.fails).delete(reference);
  }

  /** The checks EPA records and their updates share: the learner, and each EPA's date and outcome. */
  private epaDetailsProblems(item: Json, ukprn: number): { problems: string[]; record: FakeLearner | undefined } {
    const { problems, record } = this.learnerProblems(item, ukprn);
    const epas = ((item.EpaDetails ?? {}) as Json).Epas;
    if (!Array.isArray(epas) || epas.length === 0) problems.push('Provide EPA Details');
    else
      for (const epa of epas as Json[]) {
        const date = text(epa.EpaDate).slice(0, 10);
        if (date < '2017-01-01') problems.push('EPA Date cannot be before 01 01 2017');
        else if (date > this.today()) problems.push('EPA Date cannot be in the future');
        if (!['pass', 'fail', 'withdrawn'].includes(text(epa.EpaOutcome).toLowerCase()))
          problems.push('Invalid outcome: must be Pass, Fail or Withdrawn');
      }
    return { problems, record };
  }

  /** Starts the server on a random port; its base URL. */
  async start(): Promise<string> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const send = (status: number, body: unknown) => {
          res.writeHead(status, { 'content-type': 'application/json' });
          res.end(JSON.stringify(body));
        };
        const ukprn = this.keys.get(String(req.headers['ocp-apim-subscription-key'] ?? ''));
        if (ukprn === undefined) return send(401, { statusCode: 401, message: 'Access denied' });
        let body: unknown;
        try {
          body = chunks.length ? JSON.parse(Buffer.concat(chunks).toString('utf8')) : undefined;
        } catch {
          return send(403, { statusCode: 403, message: INVALID_INPUT });
        }
        this.received.push({ method: req.method ?? '', path: req.url ?? '', body });
        /** A batch endpoint: a list of at most 25 items, each answered in order (EXT's controllers). */
        const batch = (answer: (item: Json) => object) => {
          if (!Array.isArray(body) || body.some((i) => typeof i !== 'object' || i === null))
            return send(403, { statusCode: 403, message: INVALID_INPUT });
          if (body.length > 25) return send(403, { statusCode: 403, message: 'Batch limited to 25 requests' });
          return send(200, (body as Json[]).map(answer));
        };
        if (req.method === 'GET' && req.url === '/api/v1/certificate/grades') return send(200, GRADES);
        // The learner lookup (VAL/Learners/GetBatchLearnerRequestValidator.cs): 403 with the messages joined by "; ".
        const lookup = /^\/api\/v1\/learner\/([^/]+)\/([^/]+)\/(.+)$/.exec(req.url ?? '');
        if (req.method === 'GET' && lookup) {
          const [uln, familyName, standard] = lookup.slice(1).map((p) => decodeURIComponent(p));
          const learner = this.learners.find(
            (l) =>
              String(l.uln) === uln &&
              l.familyName.toLowerCase() === familyName!.toLowerCase() &&
              (l.standardReference === standard || String(l.standardCode) === standard),
          );
          if (!learner) return send(403, { statusCode: 403, message: 'ULN, FamilyName and Standard not found' });
          return send(200, {
            learnerData: {
              standard: { standardCode: learner.standardCode, standardReference: learner.standardReference },
              learner: { uln: learner.uln, familyName: learner.familyName },
              learningDetails: { version: learner.version },
            },
            status: { completionStatus: 1 },
          });
        }
        if (req.method === 'POST' && req.url === '/api/v1/certificate') {
          return batch((item) => {
            const validationErrors = this.certificateProblems(item, ukprn);
            if (validationErrors.length > 0) return { requestId: item.RequestId, validationErrors };
            const known = this.learnerOf(item)!;
            const reference = String(this.next++).padStart(8, '0');
            this.certificates.set(`${known.uln}/${known.standardCode}`, reference);
            return {
              requestId: item.RequestId,
              certificate: {
                certificateData: { certificateReference: reference, learner: { uln: known.uln } },
                status: { currentStatus: 'Ready' },
              },
              validationErrors: [],
            };
          });
        }
        // Submit (VAL/Certificates/SubmitBatchCertificateRequestValidator.cs): the certificate must exist, by its reference.
        if (req.method === 'POST' && req.url === '/api/v1/certificate/submit') {
          return batch((item) => {
            const key = `${String(item.Uln)}/${String(item.StandardCode)}`;
            const reference = this.certificates.get(key);
            if (blank(item.CertificateReference))
              return { requestId: item.RequestId, validationErrors: ['Provide the certificate reference'] };
            if (!reference || reference !== item.CertificateReference)
              return { requestId: item.RequestId, validationErrors: ['Certificate not found'] };
            if (this.submitted.has(reference))
              return { requestId: item.RequestId, validationErrors: ['Certificate has already been submitted'] };
            this.submitted.add(reference);
            return {
              requestId: item.RequestId,
              certificate: {
                certificateData: { certificateReference: reference },
                status: { currentStatus: 'Submitted' },
              },
              validationErrors: [],
            };
          });
        }
        if (req.method === 'POST' && req.url === '/api/v1/epa') {
          return batch((item) => {
            const validationErrors = this.epaProblems(item, ukprn);
            if (validationErrors.length > 0) return { requestId: item.RequestId, validationErrors };
            const known = this.learnerOf(item)!;
            const reference = String(this.next++).padStart(8, '0');
            this.certificates.set(`${known.uln}/${known.standardCode}`, reference);
            this.recordOutcomes(reference, item);
            return { requestId: item.RequestId, epaReference: reference, validationErrors: [] };
          });
        }
        if (req.method === 'PUT' && req.url === '/api/v1/epa') {
          return batch((item) => {
            const validationErrors = this.epaUpdateProblems(item, ukprn);
            if (validationErrors.length > 0) return { requestId: item.RequestId, validationErrors };
            const reference = text(item.EpaReference);
            this.recordOutcomes(reference, item);
            return { requestId: item.RequestId, epaReference: reference, validationErrors: [] };
          });
        }
        return send(404, { statusCode: 404, message: 'Not found' });
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}
