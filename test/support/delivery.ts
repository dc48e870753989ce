import type { ClaimDelivery } from '../../src/outcomes/claims.js';

/** An employer's postal contact for a certificate, as the delivery form sends it (unused lines blank). */
export const DELIVERY_FORM = {
  sendTo: 'employer',
  contactName: 'Dana Reilly',
  department: 'Education',
  organisation: 'Transport Workers Union',
  addressLine1: '128 Theobald’s Road',
  addressLine2: '',
  addressLine3: '',
  city: 'London',
  postcode: 'WC1X 8TN',
};

/** The same contact as the store holds it (unused lines null), with any changes. */
export const delivery = (change: Partial<ClaimDelivery> = {}): ClaimDelivery => ({
  ...DELIVERY_FORM,
  sendTo: 'employer',
  addressLine2: null,
  addressLine3: null,
  ...change,
});
