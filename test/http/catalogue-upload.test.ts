import fs from 'node:fs';
import { expect } from 'chai';
import { eq } from 'drizzle-orm';
import { standardVersions } from '../../src/db/schema.js';
import { UPLOAD_DIR } from '../../src/http/uploads.js';
import { $, csrfFrom, signedInAgent, testApp, type TestContext } from '../support/app.js';

/* The national catalogue's file uploaded on the Standards page, by an administrator. */
describe('importing the national catalogue from the Standards page', () => {
  let ctx: TestContext;
  beforeEach(async () => {
    ctx = await testApp();
  });
  const FILE = fs.readFileSync('test/fixtures/catalogue/standards.json');
  /** Files left in this process's upload folder. */
  const uploadsLeft = () => new Set(fs.existsSync(UPLOAD_DIR) ? fs.readdirSync(UPLOAD_DIR) : []);

  const upload = async (data: Buffer | null, filename = 'standards.json') => {
    const admin = await signedInAgent(ctx.app, ctx.users.admin.email);
    const form = await admin.get('/standards/import');
    const req = admin.post('/standards/import').field('_csrf', csrfFrom(form.text));
    return data ? req.attach('standardsFile', data, filename) : req;
  };

  it('imports it and says what changed, leaving no temporary file behind', async () => {
    const before = uploadsLeft();
    const res = await upload(FILE);
    expect(res.status).to.equal(200);
    const doc = $(res.text);
    expect(doc('#catalogue-summary').text()).to.equal(
      'Added 3 versions, changed 1, unchanged 0; kept in part because assessments use them 0; not yet approved 1; refused 1.',
    );
    expect(doc('#catalogue-added').text()).to.equal('ST9901/1.0, ST9902/1.0, ST9902/1.1');
    expect(doc('#catalogue-changed').text()).to.contain(
      'ST0815/1.0: regulated: null → false; earliestStartDate: null → 2020-06-23',
    );
    expect(doc('#catalogue-refused').text()).to.contain('Element 6 (ST9904/1.0)');
    expect(doc('.govuk-error-summary a[href="#catalogue-refused"]').text()).to.equal(
      'Element 6 (ST9904/1.0) was refused; nothing of it was imported',
    );
    expect(ctx.db.select().from(standardVersions).where(eq(standardVersions.reference, 'ST9901')).all()).to.have.length(
      1,
    );
    expect([...uploadsLeft()].filter((f) => !before.has(f))).to.deep.equal([]);
  });

  it('refuses no file, a file that is not JSON text, and a file that is not an array, changing nothing', async () => {
    const count = () => ctx.db.select().from(standardVersions).all().length;
    const held = count();
    const none = await upload(null);
    expect(none.status).to.equal(400);
    expect($(none.text)('.govuk-error-summary').text()).to.contain('Select the standards file (JSON)');
    const image = await upload(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 0, 0]), 'standards.png');
    expect(image.status).to.equal(400);
    expect($(image.text)('.govuk-error-summary').text()).to.contain('standards.png is a PNG image');
    const object = await upload(Buffer.from('{"referenceNumber": "ST9901"}'));
    expect(object.status).to.equal(422);
    expect($(object.text)('#catalogue-fault').text()).to.match(
      /^The file could not be read as a JSON array of standard versions/,
    );
    expect($(object.text)('.govuk-error-summary a[href="#catalogue-fault"]')).to.have.length(1);
    expect(count()).to.equal(held);
  });

  it('is offered to administrators on the Standards page, and to nobody else', async () => {
    const admin = await signedInAgent(ctx.app, ctx.users.admin.email);
    expect($((await admin.get('/standards')).text)('#import-catalogue').attr('href')).to.equal('/standards/import');
    const provider = await signedInAgent(ctx.app, ctx.users.provider.email);
    expect($((await provider.get('/standards')).text)('#import-catalogue')).to.have.length(0);
    expect((await provider.get('/standards/import')).status).to.equal(403);
  });
});
