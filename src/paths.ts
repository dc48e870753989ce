/** Every URL of the app, spelled once. Routes mount the patterns; views and redirects use the builders. */
const enc = encodeURIComponent;

export const routes = {
  standard: '/standards/:reference/:version',
  plan: '/standards/:reference/:version/plan',
  userTokens: '/admin/users/:id/tokens',
  revokeToken: '/admin/tokens/:id/revoke',
  apprentice: '/apprentices/:uln',
  editApprentice: '/apprentices/:uln/edit',
  addQualification: '/apprentices/:uln/qualifications/new',
  logHours: '/apprentices/:uln/hours/new',
  gatewayItem: '/apprentices/:uln/gateway-items/:itemId',
  declaration: '/apprentices/:uln/declaration',
  requestEpa: '/apprentices/:uln/request-epa',
  reviewSubmission: '/gateway/submissions/:id',
} as const;

export const paths = {
  home: '/',
  signIn: '/sign-in',
  signOut: '/sign-out',
  standards: '/standards',
  standard: (reference: string, version: string) => `/standards/${enc(reference)}/${enc(version)}`,
  plan: (reference: string, version: string) => `/standards/${enc(reference)}/${enc(version)}/plan`,
  apprentices: '/apprentices',
  newApprentice: '/apprentices/new',
  importApprentices: '/apprentices/import',
  importTemplate: '/apprentices/import/template.csv',
  apprentice: (uln: string) => `/apprentices/${enc(uln)}`,
  editApprentice: (uln: string) => `/apprentices/${enc(uln)}/edit`,
  addQualification: (uln: string) => `/apprentices/${enc(uln)}/qualifications/new`,
  logHours: (uln: string) => `/apprentices/${enc(uln)}/hours/new`,
  gatewayItem: (uln: string, itemId: string) => `/apprentices/${enc(uln)}/gateway-items/${enc(itemId)}`,
  declaration: (uln: string) => `/apprentices/${enc(uln)}/declaration`,
  requestEpa: (uln: string) => `/apprentices/${enc(uln)}/request-epa`,
  gatewayQueue: '/gateway',
  reviewSubmission: (id: number) => `/gateway/submissions/${id}`,
  admin: {
    importPlan: '/admin/plans/import',
    users: '/admin/users',
    newUser: '/admin/users/new',
    userTokens: (id: number) => `/admin/users/${id}/tokens`,
    revokeToken: (id: number) => `/admin/tokens/${id}/revoke`,
    audit: '/admin/audit',
  },
  api: {
    root: '/api/v1',
    openapi: '/api/v1/openapi.json',
  },
} as const;
