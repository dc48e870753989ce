import { expect } from 'chai';
import { SERVICE_POSTCODE, deliveryInputSchema, tidyPostcode } from '../../src/certificates/rules.js';

describe('certificate delivery rules (the apprenticeship service’s postal contact)', () => {
  it('takes the postcodes the service takes, in each UK shape, and none it refuses', () => {
    for (const code of [
      'SW1A 1AA',
      'M1 1AE',
      'B33 8TH',
      'CR2 6XH',
      'DN55 1PT',
      'W1A 0AX',
      'EC1A 1BB',
      'GIR 0AA',
      'sw1a1aa',
    ])
      expect(SERVICE_POSTCODE.test(code), code).to.equal(true);
    for (const code of ['BAD VALUE', ' SW1A 1AA', 'SW1A 1AA ', 'Q1A 1AA', 'SW1A 1CA', '12345', '', 'SW1A'])
      expect(SERVICE_POSTCODE.test(code), code).to.equal(false);
  });

  it('writes a postcode as the service expects it: capitals, one space before the last three', () => {
    expect(tidyPostcode(' sw1a1aa ')).to.equal('SW1A 1AA');
    expect(tidyPostcode('m1  1ae')).to.equal('M1 1AE');
    expect(tidyPostcode('AB')).to.equal('AB');
  });

  it('needs who it goes to, a name, an organisation, the first address line, a town and a postcode; the rest is optional', () => {
    const parsed = deliveryInputSchema.safeParse({});
    expect(parsed.success).to.equal(false);
    if (!parsed.success)
      expect(parsed.error.issues.map((i) => i.path.join('.'))).to.deep.equal([
        'sendTo',
        'contactName',
        'organisation',
        'addressLine1',
        'city',
        'postcode',
      ]);
    const ok = deliveryInputSchema.parse({
      sendTo: 'apprentice',
      contactName: ' Ada Okafor ',
      organisation: 'Ada Okafor',
      addressLine1: '1 Canal Street',
      addressLine3: '  ',
      city: 'Manchester',
      postcode: 'm1 1ae',
    });
    expect(ok).to.deep.equal({
      sendTo: 'apprentice',
      contactName: 'Ada Okafor',
      department: null,
      organisation: 'Ada Okafor',
      addressLine1: '1 Canal Street',
      addressLine2: null,
      addressLine3: null,
      city: 'Manchester',
      postcode: 'M1 1AE',
    });
  });
});
