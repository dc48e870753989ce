/**
 * The apprenticeship service's Record a Grade API, as the platform calls it
 * (SkillsFundingAgency/das-assessor-service, Application.Api.External): the subscription key in
 * the Ocp-Apim-Subscription-Key header (the UKPRN comes from the subscription), JSON bodies of at
 * most 25 items, one answer per item in order, { requestId, certificate? | epaReference?,
 * validationErrors }. A lookup or an EPA record update (a PUT, which replaces the record's outcomes)
 * that fails in transit, or that the service answers 429 or 5xx, is tried again after a growing
 * pause. A POST creates or submits, so it is tried again only when the
 * service says it did nothing (429 too many requests, 503 unavailable): after a lost answer or any
 * other failure, trying again could make the record twice, so the failure is reported instead.
 */

export interface ServiceItemAnswer {
  requestId?: string;
  certificate?: { certificateData?: { certificateReference?: string }; status?: { currentStatus?: string } };
  epaReference?: string;
  validationErrors?: string[];
}

export type ServiceCall =
  | { ok: true; items: ServiceItemAnswer[] }
  /** The whole call refused (its status and message, and the service's own words when it gave them), or never answered. */
  | { ok: false; status: number | null; message: string; serviceMessage?: string };

export interface ServiceClientOptions {
  url: string;
  key: string;
  fetch?: typeof fetch;
  /** Pauses between tries (tests pass one that does not wait). */
  sleep?: (ms: number) => Promise<void>;
  /** How many times a call is tried in all. */
  tries?: number;
}

const wait = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export function serviceClient(options: ServiceClientOptions) {
  const doFetch = options.fetch ?? fetch;
  const sleep = options.sleep ?? wait;
  const tries = options.tries ?? 4;

  async function call(method: string, path: string, body?: unknown): Promise<ServiceCall> {
    // A lookup, or an update that replaces a record with the same content, does the same however often it is sent.
    const repeatable = method === 'GET' || method === 'PUT';
    let last: ServiceCall = { ok: false, status: null, message: 'Not sent' };
    for (let attempt = 1; attempt <= tries; attempt++) {
      if (attempt > 1) await sleep(250 * 2 ** (attempt - 2));
      try {
        const res = await doFetch(`${options.url}${path}`, {
          method,
          headers: { 'content-type': 'application/json', 'ocp-apim-subscription-key': options.key },
          ...(body === undefined ? {} : { body: JSON.stringify(body) }),
          signal: AbortSignal.timeout(30_000),
        });
        const text = await res.text();
        if (res.ok) {
          const parsed: unknown = text ? JSON.parse(text) : [];
          if (method === 'GET') return { ok: true, items: [parsed as ServiceItemAnswer] };
          if (!Array.isArray(parsed))
            return { ok: false, status: res.status, message: 'The service answered with no list' };
          return { ok: true, items: parsed as ServiceItemAnswer[] };
        }
        let serviceMessage: string | undefined;
        try {
          const error = JSON.parse(text) as { message?: unknown };
          if (typeof error.message === 'string') serviceMessage = error.message;
        } catch {
          // Not JSON: the status says enough.
        }
        last = {
          ok: false,
          status: res.status,
          message: `The service answered ${res.status}${serviceMessage ? `: ${serviceMessage}` : ''}`,
          ...(serviceMessage ? { serviceMessage } : {}),
        };
        const untouched = res.status === 429 || res.status === 503;
        if (!untouched && (!repeatable || res.status < 500)) return last;
      } catch (error) {
        last = { ok: false, status: null, message: `The service could not be reached: ${(error as Error).message}` };
        if (!repeatable) return last;
      }
    }
    return last;
  }

  return {
    /** The learner pre-check: whether the service holds this learner on this standard (GET /api/v1/learner/…). */
    learner: (uln: string, familyName: string, standard: string) =>
      call(
        'GET',
        `/api/v1/learner/${encodeURIComponent(uln)}/${encodeURIComponent(familyName)}/${encodeURIComponent(standard)}`,
      ),
    createCertificates: (batch: unknown[]) => call('POST', '/api/v1/certificate', batch),
    submitCertificates: (batch: unknown[]) => call('POST', '/api/v1/certificate/submit', batch),
    createEpaRecords: (batch: unknown[]) => call('POST', '/api/v1/epa', batch),
    /** PUT replaces an EPA record's outcomes: sending the same list twice leaves it as it was. */
    updateEpaRecords: (batch: unknown[]) => call('PUT', '/api/v1/epa', batch),
  };
}
export type ServiceClient = ReturnType<typeof serviceClient>;
