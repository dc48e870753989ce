/** Every URL of the app, spelled once. Routes and views both read from here. */
export const paths = {
  home: '/',
  signIn: '/sign-in',
  signOut: '/sign-out',
  standards: '/standards',
  standard: (reference: string, version: string) => `/standards/${encodeURIComponent(reference)}/${encodeURIComponent(version)}`,
  plan: (reference: string, version: string) => `/standards/${encodeURIComponent(reference)}/${encodeURIComponent(version)}/plan`,
  admin: {
    importPlan: '/admin/plans/import',
    users: '/admin/users',
    newUser: '/admin/users/new',
    revokeToken: (id: number | string) => `/admin/tokens/${id}/revoke`,
    audit: '/admin/audit',
  },
  api: {
    root: '/api/v1',
    openapi: '/api/v1/openapi.json',
  },
} as const;
