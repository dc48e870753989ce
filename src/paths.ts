/** Every URL of the app, spelled once. Routes mount the patterns; views and redirects use the builders. */
const enc = encodeURIComponent;

export const routes = {
  standard: '/standards/:reference/:version',
  plan: '/standards/:reference/:version/plan',
  userTokens: '/admin/users/:id/tokens',
  revokeToken: '/admin/tokens/:id/revoke',
} as const;

export const paths = {
  home: '/',
  signIn: '/sign-in',
  signOut: '/sign-out',
  standards: '/standards',
  standard: (reference: string, version: string) => `/standards/${enc(reference)}/${enc(version)}`,
  plan: (reference: string, version: string) => `/standards/${enc(reference)}/${enc(version)}/plan`,
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
