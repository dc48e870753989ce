/** Every role, spelled once. */
export const ROLES = ['admin', 'assessor', 'quality_assurer', 'provider', 'employer'] as const;
export type Role = (typeof ROLES)[number];

export const ROLE_LABELS: Record<Role, string> = {
  admin: 'EPAO administrator',
  assessor: 'Assessor',
  quality_assurer: 'Quality assurer',
  provider: 'Training provider',
  employer: 'Employer',
};
