import { expect } from 'chai';
import { isValidUln, makeValidUln, validateUln, validUlns } from '../../src/apprentices/uln.js';

// Worked by hand (weights 10, 9, …, 1; valid when the sum leaves 10 modulo 11):
//   1000000000: 1×10                                   = 10;  10 mod 11 = 10 ✓
//   1234567899: 10+18+24+28+30+30+28+24+18 + 9×1       = 219; 219 = 19×11 + 10 ✓
//   9999999998: 9×(10+9+…+2) = 9×54 = 486, + 8×1       = 494; 494 = 44×11 + 10 ✓
//   1234567890: 10+18+24+28+30+30+28+24+18 + 0         = 210; 210 = 19×11 + 1 ✗
//   1000000019: 1×10 + 1×2 + 9×1                       = 21;  21 = 1×11 + 10 ✓
const VALID = ['1000000000', '1234567899', '9999999998', '1000000019'];

describe('ULN', () => {
  it('accepts valid ULNs', () => {
    for (const uln of VALID) {
      expect(validateUln(uln), uln).to.deep.equal({ ok: true });
      expect(isValidUln(uln), uln).to.equal(true);
    }
  });

  it('refuses a wrong length', () => {
    for (const uln of ['123456789', '12345678999', '', '1234 567899']) {
      expect(validateUln(uln), uln).to.deep.equal({ ok: false, message: 'ULN must be 10 digits' });
    }
  });

  it('refuses letters and other characters as not 10 digits', () => {
    for (const uln of ['12345678A9', 'ABCDEFGHIJ', '12345-6789', '1.23456789']) {
      expect(validateUln(uln), uln).to.deep.equal({ ok: false, message: 'ULN must be 10 digits' });
    }
  });

  it('refuses a leading 0, even when the check digit works', () => {
    // 0123456789: 0+9+16+21+24+25+24+21+16+9 = 165 = 15×11 + 0 (check digit wrong too);
    // 0100000001: 1×9 + 1×1 = 10 (check digit right): both must fail on the leading 0.
    for (const uln of ['0123456789', '0100000001']) {
      expect(validateUln(uln), uln).to.deep.equal({ ok: false, message: 'ULN cannot start with 0' });
    }
  });

  it('refuses a wrong check digit with a message that suggests a typing error', () => {
    // 1234567890 sums to 210 (remainder 1); 1000000001 sums to 11 (remainder 0).
    for (const uln of ['1234567890', '1000000001', '9999999999']) {
      expect(validateUln(uln), uln).to.deep.equal({
        ok: false,
        message: 'ULN check digit is wrong: this is not a valid ULN (check for a typing error)',
      });
      expect(isValidUln(uln)).to.equal(false);
    }
  });

  it('catches a single-digit typing error and a swap of neighbouring digits', () => {
    // 1234567899 is valid; changing one digit changes the sum by (weight × change), never a
    // multiple of 11; swapping neighbours changes it by the difference of the two digits.
    expect(isValidUln('1234567999')).to.equal(false);
    expect(isValidUln('1234576899')).to.equal(false);
  });

  it('makes a valid ULN from a 9-digit prefix by choosing the last digit', () => {
    // 123456789: prefix sum 210 (remainder 1), so the last digit is 9 (210 + 9 = 219, remainder 10).
    expect(makeValidUln(123456789)).to.equal('1234567899');
    expect(makeValidUln(100000000)).to.equal('1000000000');
    // 100000006: 1×10 + 6×2 = 22 (remainder 0): the last digit would have to be 10.
    expect(makeValidUln(100000006)).to.equal(null);
    expect(() => makeValidUln(99999999)).to.throw(RangeError);
    expect(() => makeValidUln(1000000000)).to.throw(RangeError);
    expect(() => makeValidUln(123456789.5)).to.throw(RangeError);
  });

  it('makes many distinct valid ULNs, skipping prefixes that have none', () => {
    const ulns = validUlns(200);
    expect(ulns).to.have.length(200);
    expect(new Set(ulns).size).to.equal(200);
    for (const uln of ulns) expect(isValidUln(uln), uln).to.equal(true);
    // Prefixes 100000000–100000005 then 100000007 (100000006 has no valid last digit).
    expect(validUlns(7)).to.deep.equal([
      '1000000000',
      '1000000019',
      '1000000027',
      '1000000035',
      '1000000043',
      '1000000051',
      '1000000078',
    ]);
  });
});
