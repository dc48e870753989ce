import { existsSync, readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import * as cheerio from 'cheerio';
import Handlebars from 'handlebars';
import { registerHelpers, viewHelpers } from '../../src/views/helpers.js';
import { paths } from '../../src/paths.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const PARTIALS_DIR = path.join(ROOT, 'views', 'partials');
const LAYOUT_FILE = path.join(ROOT, 'views', 'layouts', 'main.hbs');
const APP_CSS_FILE = path.join(ROOT, 'public', 'app.css');
/** The app serves this folder at /assets. */
const GOVUK_DIR = path.join(ROOT, 'node_modules', 'govuk-frontend', 'dist', 'govuk');
const COMPONENTS_DIR = path.join(GOVUK_DIR, 'components');

const PARTIAL_NAMES = [
  'backLink',
  'button',
  'checkboxes',
  'dateInput',
  'errorSummary',
  'input',
  'radios',
  'select',
  'summaryList',
  'table',
  'textarea',
] as const;
type PartialName = (typeof PARTIAL_NAMES)[number];

type Params = Record<string, unknown>;
type Env = ReturnType<typeof Handlebars.create>;
type CompileOptions = Parameters<typeof Handlebars.compile>[1];

/** An isolated Handlebars environment with the app's helpers and every file in views/partials. */
function createEnvironment(compileOptions: CompileOptions = {}): Env {
  const hbs = Handlebars.create();
  registerHelpers(hbs);
  for (const file of readdirSync(PARTIALS_DIR).filter((f) => f.endsWith('.hbs'))) {
    const source = readFileSync(path.join(PARTIALS_DIR, file), 'utf8');
    hbs.registerPartial(path.basename(file, '.hbs'), hbs.compile(source, compileOptions));
  }
  return hbs;
}

const hbs = createEnvironment();

/** Renders a partial the way a page does, `{{> name param=…}}`, with exactly these params. */
function renderHtml(name: PartialName, params: Params): string {
  return hbs.compile(`{{> ${name} this}}`)(params);
}

function render(name: PartialName, params: Params): cheerio.CheerioAPI {
  return cheerio.load(renderHtml(name, params), null, false);
}

/** Renders the layout as the app does: `paths` is always among the page's variables. */
function renderLayout(context: Params, env: Env = hbs): cheerio.CheerioAPI {
  return cheerio.load(env.compile(readFileSync(LAYOUT_FILE, 'utf8'))({ paths, ...context }));
}

function squash(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

// ---------------------------------------------------------------------------------------------
// govuk-frontend's own fixtures: options for its Nunjucks macros and the HTML they produce.

interface FixtureText {
  text?: string;
  html?: string;
  classes?: string;
  isPageHeading?: boolean;
}
interface FixtureItem {
  value?: string | number;
  text?: string;
  html?: string;
  checked?: boolean;
  selected?: boolean;
  disabled?: boolean;
  autocomplete?: string;
  hint?: FixtureText;
}
interface FixtureCell {
  text?: string;
  html?: string;
  format?: string;
}
interface FixtureAction {
  href: string;
  text: string;
  visuallyHiddenText?: string;
}
interface FixtureOptions {
  name?: string;
  id?: string;
  text?: string;
  href?: string;
  type?: string;
  value?: unknown;
  values?: unknown;
  classes?: string;
  autocomplete?: string;
  spellcheck?: boolean;
  rows?: number | { key: FixtureText; value: FixtureText; actions?: { items: FixtureAction[] } }[];
  label?: FixtureText;
  hint?: FixtureText;
  errorMessage?: FixtureText;
  fieldset?: { legend?: FixtureText };
  items?: FixtureItem[];
  errorList?: { href?: string; text: string }[];
  caption?: string;
  captionClasses?: string;
  firstCellIsHeader?: boolean;
  head?: FixtureCell[];
  day?: { error?: boolean };
  month?: { error?: boolean };
  year?: { error?: boolean };
}
interface Fixture {
  name: string;
  options: FixtureOptions;
  html: string;
}

function fixture(component: string, name: string): Fixture {
  const file = JSON.parse(readFileSync(path.join(COMPONENTS_DIR, component, 'fixtures.json'), 'utf8')) as {
    fixtures: Fixture[];
  };
  const found = file.fixtures.find((f) => f.name === name);
  if (!found) throw new Error(`No fixture "${name}" for ${component}`);
  return found;
}

/** The attributes that matter to users and assistive technology. */
const KEY_ATTRIBUTES = [
  'id',
  'for',
  'name',
  'type',
  'value',
  'checked',
  'selected',
  'disabled',
  'rows',
  'href',
  'scope',
  'role',
  'aria-describedby',
  'aria-labelledby',
  'aria-current',
  'autocomplete',
  'spellcheck',
  'inputmode',
  'data-module',
];

/**
 * One line per element, in document order: tag, sorted classes, key attributes and the
 * element's own text (whitespace squashed), so markup compares without indentation noise.
 */
function signature(html: string, ignoreAttributes: string[] = []): string[] {
  const $ = cheerio.load(html, null, false);
  return $('*')
    .toArray()
    .map((el) => {
      const $el = $(el);
      const classes = ($el.attr('class') ?? '').split(/\s+/).filter(Boolean).sort().join(' ');
      const attributes = KEY_ATTRIBUTES.filter((a) => !ignoreAttributes.includes(a) && $el.attr(a) !== undefined)
        .map((a) => `${a}="${$el.attr(a)}"`)
        .join(' ');
      const ownText = squash(
        $el
          .contents()
          .filter((_, node) => node.nodeType === 3)
          .text(),
      );
      const tag = ($el.prop('tagName') ?? '').toLowerCase();
      return `<${tag} class="${classes}" ${attributes}> ${ownText}`;
    });
}

const textOf = (t: FixtureText | undefined): string | undefined => t?.text;

function fieldParams(o: FixtureOptions): Params {
  return {
    name: o.name,
    id: o.id,
    label: textOf(o.label),
    labelClasses: o.label?.classes,
    isPageHeading: o.label?.isPageHeading,
    hint: textOf(o.hint),
    error: textOf(o.errorMessage),
    value: o.value,
    type: o.type,
    autocomplete: o.autocomplete,
    spellcheck: o.spellcheck,
    classes: o.classes,
    rows: typeof o.rows === 'number' ? o.rows : undefined,
  };
}

function choiceParams(o: FixtureOptions, multiple: boolean): Params {
  const checked = (o.items ?? []).filter((i) => i.checked).map((i) => i.value);
  const inline = (o.classes ?? '').includes('govuk-radios--inline');
  return {
    name: o.name,
    legend: textOf(o.fieldset?.legend),
    legendClasses: o.fieldset?.legend?.classes,
    isPageHeading: o.fieldset?.legend?.isPageHeading,
    hint: textOf(o.hint),
    error: textOf(o.errorMessage),
    items: (o.items ?? []).map((i) => ({ value: i.value, text: i.text, hint: textOf(i.hint) })),
    checked: multiple ? checked : (checked[0] ?? o.value),
    inline,
    classes: inline ? undefined : o.classes,
  };
}

interface FixtureCase {
  component: string;
  fixtures: string[];
  partial: PartialName;
  params: (o: FixtureOptions) => Params;
  ignoreAttributes?: string[];
}

const FIXTURE_CASES: FixtureCase[] = [
  {
    component: 'input',
    partial: 'input',
    params: fieldParams,
    fixtures: [
      'default',
      'with hint text',
      'with error message',
      'with error and hint',
      'with width-10 class',
      'with label as page heading',
      'value',
      'zero value',
      'id',
      'custom type',
      'with autocomplete attribute',
      'with spellcheck enabled',
      'with spellcheck disabled',
    ],
  },
  {
    component: 'textarea',
    partial: 'textarea',
    params: fieldParams,
    fixtures: [
      'default',
      'with hint',
      'with error message',
      'with default value',
      'with custom rows',
      'with label as page heading',
      'id',
      'classes',
      'with hint and error message',
      'with autocomplete attribute',
      'with spellcheck enabled',
      'with spellcheck disabled',
    ],
  },
  {
    component: 'select',
    partial: 'select',
    params: (o) => ({
      ...fieldParams(o),
      items: o.items,
      selected: o.value ?? o.items?.find((i) => i.selected)?.value,
    }),
    fixtures: [
      'default',
      'with hint text and error message',
      'with selected value',
      'hint',
      'error',
      'id',
      'with full width override',
    ],
  },
  {
    component: 'radios',
    partial: 'radios',
    params: (o) => choiceParams(o, false),
    fixtures: ['default', 'with hint', 'inline', 'with fieldset and error message', 'with hint and error message'],
  },
  {
    component: 'checkboxes',
    partial: 'checkboxes',
    params: (o) => choiceParams(o, true),
    fixtures: ['default', 'with hint', 'small', 'with error message and hint'],
  },
  {
    component: 'date-input',
    partial: 'dateInput',
    // govuk-frontend names the fields day, month and year; ours are name[day] etc. (tested below).
    ignoreAttributes: ['name'],
    params: (o) => {
      const parts = (['day', 'month', 'year'] as const).filter((part) => o[part]?.error);
      const autocomplete = o.items?.[0]?.autocomplete?.replace(/-day$/, '');
      return {
        name: o.id,
        legend: textOf(o.fieldset?.legend),
        hint: textOf(o.hint),
        error: textOf(o.errorMessage),
        value: o.values,
        errorFields: parts.length > 0 ? parts : undefined,
        autocomplete,
      };
    },
    fixtures: [
      'default',
      'with values',
      'with error message and hint',
      'with error on day input',
      'with error on month input',
      'with error on year input',
      'with autocomplete values',
    ],
  },
  {
    component: 'error-summary',
    partial: 'errorSummary',
    params: (o) => ({ errors: o.errorList }),
    fixtures: ['default', 'mixed with and without links'],
  },
  {
    component: 'button',
    partial: 'button',
    params: (o) => ({ text: o.text, type: o.type, classes: o.classes, name: o.name, value: o.value }),
    fixtures: ['default', 'secondary', 'name', 'value', 'type'],
  },
  {
    component: 'back-link',
    partial: 'backLink',
    params: (o) => ({ href: o.href, text: o.text }),
    fixtures: ['default', 'with custom text and link'],
  },
  {
    component: 'summary-list',
    partial: 'summaryList',
    params: (o) => ({
      rows: (Array.isArray(o.rows) ? o.rows : []).map((row) => ({
        key: row.key.text,
        value: row.value.text,
        html: row.value.html,
        actions: row.actions?.items,
      })),
    }),
    fixtures: ['default', 'value with html', 'with actions', 'with some actions'],
  },
  {
    component: 'table',
    partial: 'table',
    params: (o) => {
      const cell = (c: FixtureCell) => ({ text: c.text, html: c.html, numeric: c.format === 'numeric' });
      return {
        caption: o.caption,
        captionClasses: o.captionClasses,
        firstCellIsHeader: o.firstCellIsHeader,
        head: o.head?.map(cell),
        rows: (Array.isArray(o.rows) ? (o.rows as unknown as FixtureCell[][]) : []).map((row) => row.map(cell)),
      };
    },
    fixtures: ['default', 'with head', 'with head and caption', 'with firstCellIsHeader true'],
  },
];

describe('GOV.UK partials', () => {
  it('are the files in views/partials', () => {
    const files = readdirSync(PARTIALS_DIR)
      .filter((f) => f.endsWith('.hbs'))
      .map((f) => path.basename(f, '.hbs'))
      .sort();
    expect(files).to.include.members([...PARTIAL_NAMES]);
  });

  describe('match the markup of govuk-frontend’s own fixtures', () => {
    for (const testCase of FIXTURE_CASES) {
      for (const name of testCase.fixtures) {
        it(`${testCase.partial}: "${name}" (${testCase.component}/fixtures.json)`, () => {
          const expected = fixture(testCase.component, name);
          const html = renderHtml(testCase.partial, testCase.params(expected.options));
          expect(signature(html, testCase.ignoreAttributes)).to.deep.equal(
            signature(expected.html, testCase.ignoreAttributes),
          );
        });
      }
    }
  });

  describe('input', () => {
    it('links the label to the input, defaulting the id to the name', () => {
      const $ = render('input', { name: 'email', label: 'Email address' });
      expect($('input').attr('id')).to.equal('email');
      expect($('label').attr('for')).to.equal('email');
      expect(squash($('label').text())).to.equal('Email address');
      expect($('input').attr('type')).to.equal('text');
    });

    it('uses an explicit id for the input, label, hint and error', () => {
      const $ = render('input', {
        name: 'email',
        id: 'contact-email',
        label: 'Email',
        hint: 'Work address',
        error: 'Enter an email address',
      });
      expect($('input').attr('id')).to.equal('contact-email');
      expect($('label').attr('for')).to.equal('contact-email');
      expect($('.govuk-hint').attr('id')).to.equal('contact-email-hint');
      expect($('.govuk-error-message').attr('id')).to.equal('contact-email-error');
      expect($('input').attr('aria-describedby')).to.equal('contact-email-hint contact-email-error');
    });

    it('shows the error state: group and input classes, message and aria-describedby', () => {
      const $ = render('input', {
        name: 'email',
        label: 'Email',
        error: 'Enter an email address, like name@example.com',
      });
      expect($('.govuk-form-group').hasClass('govuk-form-group--error')).to.equal(true);
      expect($('input').hasClass('govuk-input--error')).to.equal(true);
      const message = $('p.govuk-error-message#email-error');
      expect(squash(message.text())).to.equal('Error: Enter an email address, like name@example.com');
      expect(message.find('.govuk-visually-hidden').text()).to.equal('Error:');
      expect($('input').attr('aria-describedby')).to.equal('email-error');
    });

    it('has no error state, error message or aria-describedby when valid', () => {
      const $ = render('input', { name: 'email', label: 'Email', error: '' });
      expect($('.govuk-form-group--error')).to.have.length(0);
      expect($('.govuk-input--error')).to.have.length(0);
      expect($('.govuk-error-message')).to.have.length(0);
      expect($('input').attr('aria-describedby')).to.equal(undefined);
    });

    it('describes the input by its hint', () => {
      const $ = render('input', { name: 'from', label: 'From date', hint: 'YYYY-MM-DD' });
      expect(squash($('#from-hint').text())).to.equal('YYYY-MM-DD');
      expect($('input').attr('aria-describedby')).to.equal('from-hint');
    });

    it('keeps the submitted value and escapes HTML in it and in the label, hint and error', () => {
      const evil = '"><script>alert(1)</script>';
      const $ = render('input', { name: 'name', label: `Name ${evil}`, hint: evil, error: evil, value: evil });
      expect($('script')).to.have.length(0);
      expect($('input')).to.have.length(1);
      expect($('input').attr('value')).to.equal(evil);
      expect(squash($('label').text())).to.equal(`Name ${evil}`);
      expect(squash($('.govuk-hint').text())).to.equal(evil);
    });

    it('passes type, autocomplete, spellcheck, inputmode and extra classes', () => {
      const $ = render('input', {
        name: 'email',
        label: 'Email',
        type: 'email',
        autocomplete: 'email',
        spellcheck: false,
        inputmode: 'email',
        classes: 'govuk-input--width-20',
      });
      const input = $('input');
      expect(input.attr('type')).to.equal('email');
      expect(input.attr('autocomplete')).to.equal('email');
      expect(input.attr('spellcheck')).to.equal('false');
      expect(input.attr('inputmode')).to.equal('email');
      expect(input.attr('class')).to.equal('govuk-input govuk-input--width-20');
    });

    it('wraps the label in an h1 when it is the page heading', () => {
      const $ = render('input', { name: 'ref', label: 'What is the reference?', isPageHeading: true });
      expect($('h1.govuk-label-wrapper > label.govuk-label.govuk-label--l')).to.have.length(1);
      expect($('h1 label').attr('for')).to.equal('ref');
    });
  });

  describe('textarea', () => {
    it('links label and textarea, keeps the value as text and defaults to 5 rows', () => {
      const value = 'Line one\n<b>not bold</b>';
      const $ = render('textarea', { name: 'reason', label: 'Reason', value });
      expect($('label').attr('for')).to.equal('reason');
      expect($('textarea').attr('id')).to.equal('reason');
      expect($('textarea').attr('rows')).to.equal('5');
      expect($('textarea').text()).to.equal(value);
      expect($('b')).to.have.length(0);
    });

    it('keeps a value that starts with a new line', () => {
      const $ = render('textarea', { name: 'notes', label: 'Notes', value: '\nindented' });
      expect($('textarea').text()).to.equal('\nindented');
    });

    it('shows the error state and takes a row count', () => {
      const $ = render('textarea', { name: 'reason', label: 'Reason', rows: 8, hint: 'Why', error: 'Enter a reason' });
      expect($('.govuk-form-group').hasClass('govuk-form-group--error')).to.equal(true);
      expect($('textarea').hasClass('govuk-textarea--error')).to.equal(true);
      expect($('textarea').attr('rows')).to.equal('8');
      expect($('textarea').attr('aria-describedby')).to.equal('reason-hint reason-error');
      expect(squash($('#reason-error').text())).to.equal('Error: Enter a reason');
    });
  });

  describe('select', () => {
    const items = [
      { value: '', text: 'Choose a provider' },
      { value: 10012345, text: 'Acme <Training>' },
      { value: 10067890, text: 'Beta College' },
    ];

    it('selects the item whose value equals `selected` as a string', () => {
      const $ = render('select', { name: 'ukprn', label: 'Provider', items, selected: '10067890' });
      expect($('option[selected]')).to.have.length(1);
      expect($('option[selected]').attr('value')).to.equal('10067890');
      expect($('label').attr('for')).to.equal($('select').attr('id'));
    });

    it('selects by a number too, and nothing when `selected` is not given', () => {
      expect(
        render('select', { name: 'ukprn', label: 'Provider', items, selected: 10012345 })('option[selected]').attr(
          'value',
        ),
      ).to.equal('10012345');
      expect(render('select', { name: 'ukprn', label: 'Provider', items })('option[selected]')).to.have.length(0);
    });

    it('escapes option text and shows the error state', () => {
      const $ = render('select', { name: 'ukprn', label: 'Provider', items, error: 'Select a provider' });
      expect($('option').eq(1).text()).to.equal('Acme <Training>');
      expect($('Training')).to.have.length(0);
      expect($('select').hasClass('govuk-select--error')).to.equal(true);
      expect($('select').attr('aria-describedby')).to.equal('ukprn-error');
      expect($('.govuk-form-group').hasClass('govuk-form-group--error')).to.equal(true);
    });

    it('keeps a value with quotes inside its attribute, and marks a disabled item', () => {
      const tricky = [
        { value: 'x" onmouseover="alert(1)', text: 'Quoted' },
        { value: 'old', text: 'Retired', disabled: true },
      ];
      const $ = render('select', {
        name: 'ukprn',
        label: 'Provider',
        items: tricky,
        selected: 'x" onmouseover="alert(1)',
      });
      expect($('option').eq(0).attr('value')).to.equal('x" onmouseover="alert(1)');
      expect($('option').eq(0).attr('onmouseover')).to.equal(undefined);
      expect($('option[selected]').text()).to.equal('Quoted');
      expect($('option[disabled]').attr('value')).to.equal('old');
    });
  });

  describe('radios', () => {
    const items = [
      { value: 'admin', text: 'Administrator', hint: 'Manages users' },
      { value: 'assessor', text: 'Assessor' },
      { value: 3, text: 'Provider <user>' },
    ];

    it('gives the first radio the name as its id and the others name-2, name-3', () => {
      const $ = render('radios', { name: 'role', legend: 'Role', items });
      expect(
        $('input')
          .toArray()
          .map((el) => $(el).attr('id')),
      ).to.deep.equal(['role', 'role-2', 'role-3']);
      expect(
        $('label')
          .toArray()
          .map((el) => $(el).attr('for')),
      ).to.deep.equal(['role', 'role-2', 'role-3']);
      expect($('input[type=radio][name=role]')).to.have.length(3);
      expect(squash($('legend').text())).to.equal('Role');
    });

    it('checks only the item whose value equals `checked` as a string', () => {
      const $ = render('radios', { name: 'role', legend: 'Role', items, checked: '3' });
      expect($('input[checked]')).to.have.length(1);
      expect($('input[checked]').attr('id')).to.equal('role-3');
      expect(render('radios', { name: 'role', legend: 'Role', items })('input[checked]')).to.have.length(0);
    });

    it('describes an item by its own hint and escapes item text', () => {
      const $ = render('radios', { name: 'role', legend: 'Role', items });
      expect($('#role').attr('aria-describedby')).to.equal('role-item-hint');
      expect(squash($('#role-item-hint').text())).to.equal('Manages users');
      expect($('#role-2').attr('aria-describedby')).to.equal(undefined);
      expect(squash($('label[for=role-3]').text())).to.equal('Provider <user>');
      expect($('user')).to.have.length(0);
    });

    it('shows the error state on the form group with the fieldset described by hint and error', () => {
      const $ = render('radios', { name: 'role', legend: 'Role', hint: 'Choose one', error: 'Select a role', items });
      expect($('.govuk-form-group').hasClass('govuk-form-group--error')).to.equal(true);
      expect($('fieldset').attr('aria-describedby')).to.equal('role-hint role-error');
      expect(squash($('#role-error').text())).to.equal('Error: Select a role');
    });

    it('is inline only when asked', () => {
      expect(
        render('radios', { name: 'ok', legend: 'OK?', items, inline: true })('.govuk-radios').hasClass(
          'govuk-radios--inline',
        ),
      ).to.equal(true);
      expect(
        render('radios', { name: 'ok', legend: 'OK?', items })('.govuk-radios').hasClass('govuk-radios--inline'),
      ).to.equal(false);
    });

    it('puts the legend in an h1 when it is the page heading', () => {
      const $ = render('radios', { name: 'role', legend: 'What is their role?', isPageHeading: true, items });
      expect($('legend.govuk-fieldset__legend--l > h1.govuk-fieldset__heading').text().trim()).to.equal(
        'What is their role?',
      );
    });
  });

  describe('checkboxes', () => {
    const items = [
      { value: 'knowledge', text: 'Knowledge' },
      { value: 'skills', text: 'Skills', hint: 'Practical' },
      { value: 'behaviours', text: 'Behaviours' },
    ];

    it('checks every item whose value is in `checked`, and follows the name, name-2 id convention', () => {
      const $ = render('checkboxes', {
        name: 'ksbTypes',
        legend: 'KSB types',
        items,
        checked: ['knowledge', 'behaviours'],
      });
      expect(
        $('input')
          .toArray()
          .map((el) => $(el).attr('id')),
      ).to.deep.equal(['ksbTypes', 'ksbTypes-2', 'ksbTypes-3']);
      expect(
        $('input[checked]')
          .toArray()
          .map((el) => $(el).attr('value')),
      ).to.deep.equal(['knowledge', 'behaviours']);
      expect($('input[type=checkbox][name=ksbTypes]')).to.have.length(3);
      expect(
        $('label')
          .toArray()
          .map((el) => $(el).attr('for')),
      ).to.deep.equal(['ksbTypes', 'ksbTypes-2', 'ksbTypes-3']);
    });

    it('accepts a single submitted value as `checked` and checks nothing without it', () => {
      expect(
        render('checkboxes', { name: 'k', legend: 'K', items, checked: 'skills' })('input[checked]').attr('id'),
      ).to.equal('k-2');
      expect(render('checkboxes', { name: 'k', legend: 'K', items })('input[checked]')).to.have.length(0);
    });

    it('shows the error state', () => {
      const $ = render('checkboxes', { name: 'k', legend: 'K', items, error: 'Select at least one' });
      expect($('.govuk-form-group').hasClass('govuk-form-group--error')).to.equal(true);
      expect($('fieldset').attr('aria-describedby')).to.equal('k-error');
      expect($('#k-2').attr('aria-describedby')).to.equal('k-2-item-hint');
    });
  });

  describe('dateInput', () => {
    it('has day, month and year fields named name[part] with ids name-part, keeping the values', () => {
      const $ = render('dateInput', {
        name: 'gatewayDate',
        legend: 'Gateway date',
        value: { day: '7', month: '11', year: '2025' },
      });
      const inputs = $('input')
        .toArray()
        .map((el) => ({ id: $(el).attr('id'), name: $(el).attr('name'), value: $(el).attr('value') }));
      expect(inputs).to.deep.equal([
        { id: 'gatewayDate-day', name: 'gatewayDate[day]', value: '7' },
        { id: 'gatewayDate-month', name: 'gatewayDate[month]', value: '11' },
        { id: 'gatewayDate-year', name: 'gatewayDate[year]', value: '2025' },
      ]);
      expect(
        $('label')
          .toArray()
          .map((el) => $(el).attr('for')),
      ).to.deep.equal(['gatewayDate-day', 'gatewayDate-month', 'gatewayDate-year']);
      expect($('fieldset').attr('role')).to.equal('group');
      expect($('input[inputmode=numeric]')).to.have.length(3);
    });

    it('renders without a value and escapes submitted text', () => {
      expect(render('dateInput', { name: 'd', legend: 'Date' })('input[value]')).to.have.length(0);
      const $ = render('dateInput', { name: 'd', legend: 'Date', value: { day: '"><script>x</script>' } });
      expect($('script')).to.have.length(0);
      expect($('#d-day').attr('value')).to.equal('"><script>x</script>');
    });

    it('marks every field in error, or only the listed ones', () => {
      const all = render('dateInput', {
        name: 'd',
        legend: 'Date',
        hint: 'For example, 27 3 2025',
        error: 'Enter a real date',
      });
      expect(all('.govuk-input--error')).to.have.length(3);
      expect(all('fieldset').attr('aria-describedby')).to.equal('d-hint d-error');
      expect(squash(all('#d-error').text())).to.equal('Error: Enter a real date');
      expect(all('.govuk-form-group').first().hasClass('govuk-form-group--error')).to.equal(true);

      const year = render('dateInput', {
        name: 'd',
        legend: 'Date',
        error: 'Year must include 4 numbers',
        errorFields: ['year'],
      });
      expect(
        year('.govuk-input--error')
          .toArray()
          .map((el) => year(el).attr('id')),
      ).to.deep.equal(['d-year']);

      expect(
        render('dateInput', { name: 'd', legend: 'Date', errorFields: ['year'] })('.govuk-input--error'),
      ).to.have.length(0);
    });
  });

  describe('button', () => {
    it('is a submit button by default with the GOV.UK data-module', () => {
      const $ = render('button', { text: 'Save <and> continue' });
      expect($('button').attr('type')).to.equal('submit');
      expect($('button').attr('data-module')).to.equal('govuk-button');
      expect($('button').attr('class')).to.equal('govuk-button');
      expect(squash($('button').text())).to.equal('Save <and> continue');
    });

    it('takes type, classes, name and value', () => {
      const $ = render('button', {
        text: 'Reject',
        type: 'submit',
        classes: 'govuk-button--warning',
        name: 'decision',
        value: 'reject',
      });
      expect($('button').attr('class')).to.equal('govuk-button govuk-button--warning');
      expect($('button').attr('name')).to.equal('decision');
      expect($('button').attr('value')).to.equal('reject');
    });
  });

  describe('errorSummary', () => {
    const errors = [
      { href: '#email', text: 'Enter an email address' },
      { href: '#gatewayDate-day', text: 'Gateway date must be a real date <b>' },
    ];

    it('titles the summary "There is a problem" and links each error to its field', () => {
      const $ = render('errorSummary', { errors });
      expect(squash($('.govuk-error-summary__title').text())).to.equal('There is a problem');
      expect(
        $('.govuk-error-summary__list a')
          .toArray()
          .map((a) => $(a).attr('href')),
      ).to.deep.equal(['#email', '#gatewayDate-day']);
      expect($('.govuk-error-summary__list a').eq(1).text()).to.equal('Gateway date must be a real date <b>');
      expect($('b')).to.have.length(0);
    });

    it('can be focused and is announced', () => {
      const $ = render('errorSummary', { errors });
      const summary = $('.govuk-error-summary');
      expect(summary.attr('data-module')).to.equal('govuk-error-summary');
      expect(summary.attr('tabindex')).to.equal('-1');
      expect(summary.find('[role=alert]')).to.have.length(1);
    });
  });

  describe('summaryList', () => {
    it('escapes value but renders html as it is', () => {
      const $ = render('summaryList', {
        rows: [
          { key: 'Name <i>', value: '<script>alert(1)</script>' },
          { key: 'Status', html: '<strong class="govuk-tag">Passed</strong>', value: 'ignored' },
          { key: 'Attempts', value: 0 },
        ],
      });
      expect($('script')).to.have.length(0);
      expect($('i')).to.have.length(0);
      expect(squash($('.govuk-summary-list__key').eq(0).text())).to.equal('Name <i>');
      expect(squash($('.govuk-summary-list__value').eq(0).text())).to.equal('<script>alert(1)</script>');
      expect($('.govuk-summary-list__value').eq(1).find('strong.govuk-tag').text()).to.equal('Passed');
      expect(squash($('.govuk-summary-list__value').eq(2).text())).to.equal('0');
      expect($('.govuk-summary-list__row--no-actions')).to.have.length(0);
    });

    it('renders a row action with hidden context, and marks rows without actions', () => {
      const $ = render('summaryList', {
        rows: [
          {
            key: 'Email',
            value: 'a@example.com',
            actions: [{ href: '/users/1/email', text: 'Change', visuallyHiddenText: 'email' }],
          },
          { key: 'Role', value: 'Assessor' },
        ],
      });
      const link = $('.govuk-summary-list__actions a');
      expect(link.attr('href')).to.equal('/users/1/email');
      expect(squash(link.text())).to.equal('Change email');
      expect($('.govuk-summary-list__row').eq(1).hasClass('govuk-summary-list__row--no-actions')).to.equal(true);
    });
  });

  describe('table', () => {
    const params = {
      caption: 'Results <2025>',
      captionClasses: 'govuk-table__caption--m',
      head: [{ text: 'Apprentice' }, { text: 'Score', numeric: true }],
      rows: [
        [
          { text: 'Ada <Lovelace>', header: true },
          { text: '85', numeric: true },
        ],
        [{ html: '<a class="govuk-link" href="/a/2">Alan</a>' }, { text: '<b>90</b>', numeric: true }],
      ],
    };

    it('renders the caption, header and numeric classes', () => {
      const $ = render('table', params);
      expect($('caption').text()).to.equal('Results <2025>');
      expect($('caption').attr('class')).to.equal('govuk-table__caption govuk-table__caption--m');
      expect(
        $('thead th')
          .toArray()
          .map((th) => $(th).attr('scope')),
      ).to.deep.equal(['col', 'col']);
      expect($('thead th').eq(1).hasClass('govuk-table__header--numeric')).to.equal(true);
      expect($('thead th').eq(0).hasClass('govuk-table__header--numeric')).to.equal(false);
      expect($('tbody td.govuk-table__cell--numeric')).to.have.length(2);
    });

    it('makes a first cell with `header` a row header, and escapes text but not html', () => {
      const $ = render('table', params);
      const firstRow = $('tbody tr').eq(0);
      expect(firstRow.children().first().is('th[scope=row].govuk-table__header')).to.equal(true);
      expect(firstRow.children().first().text()).to.equal('Ada <Lovelace>');
      const secondRow = $('tbody tr').eq(1);
      expect(secondRow.children().first().is('td')).to.equal(true);
      expect(secondRow.find('a.govuk-link').attr('href')).to.equal('/a/2');
      expect(secondRow.find('b')).to.have.length(0);
      expect(secondRow.children().last().text()).to.equal('<b>90</b>');
    });

    it('makes every first cell a row header with firstCellIsHeader, and has no head without `head`', () => {
      const $ = render('table', {
        firstCellIsHeader: true,
        rows: [
          [{ text: 'a' }, { text: 'b' }],
          [{ text: 'c' }, { text: 'd' }],
        ],
      });
      expect(
        $('tbody th[scope=row]')
          .toArray()
          .map((th) => $(th).text()),
      ).to.deep.equal(['a', 'c']);
      expect($('thead')).to.have.length(0);
      expect($('caption')).to.have.length(0);
    });
  });

  describe('backLink', () => {
    it('links back, with "Back" unless told otherwise', () => {
      const $ = render('backLink', { href: '/standards' });
      expect($('a.govuk-back-link').attr('href')).to.equal('/standards');
      expect($('a').text()).to.equal('Back');
      expect(render('backLink', { href: '/', text: 'Back to <home>' })('a').text()).to.equal('Back to <home>');
    });
  });

  describe('with explicitPartialContext (recommended), page variables do not leak into partials', () => {
    it('uses only the parameters passed', () => {
      const env = createEnvironment({ explicitPartialContext: true });
      const page = env.compile(
        '{{#each tokens}}{{> input name="reason" label="Reason"}}{{> button text="Revoke"}}{{/each}}',
        { explicitPartialContext: true },
      );
      const $ = cheerio.load(
        page({ tokens: [{ id: 9, name: 'Alice', value: 'leak', error: 'leak', hint: 'leak', type: 'hidden' }] }),
        null,
        false,
      );
      expect($('input').attr('id')).to.equal('reason');
      expect($('input').attr('type')).to.equal('text');
      expect($('input').attr('value')).to.equal(undefined);
      expect($('.govuk-error-message, .govuk-hint')).to.have.length(0);
      expect($('button').attr('name')).to.equal(undefined);
      expect($('button').attr('value')).to.equal(undefined);
    });
  });
});

describe('layout (views/layouts/main.hbs)', () => {
  const body = '<h1 class="govuk-heading-l" id="page-body">Add a user</h1>';
  const errorList = [
    { href: '#email', text: 'Enter an email address' },
    { href: '#role', text: 'Select a role' },
  ];

  it('shows the error summary once, at the top of main before the body, and prefixes the title', () => {
    const $ = renderLayout({ title: 'Add a user', body, errorList });
    expect($('title').text()).to.equal('Error: Add a user – EPA platform');
    expect($('.govuk-error-summary')).to.have.length(1);
    expect($('main').children().first().is('.govuk-error-summary')).to.equal(true);
    expect($('main > .govuk-error-summary').nextAll('#page-body')).to.have.length(1);
    expect(
      $('.govuk-error-summary__list a')
        .toArray()
        .map((a) => $(a).attr('href')),
    ).to.deep.equal(['#email', '#role']);
  });

  it('has no error summary or "Error:" without errors', () => {
    for (const context of [
      { title: 'Add a user', body },
      { title: 'Add a user', body, errorList: [] },
    ]) {
      const $ = renderLayout(context);
      expect($('title').text()).to.equal('Add a user – EPA platform');
      expect($('.govuk-error-summary')).to.have.length(0);
      expect($('#page-body')).to.have.length(1);
    }
  });

  it('escapes the title and renders the body unescaped inside main#main-content', () => {
    const $ = renderLayout({ title: '<script>x</script>', body });
    expect($('title').text()).to.equal('<script>x</script> – EPA platform');
    expect($('script')).to.have.length(0);
    expect($('main#main-content.govuk-main-wrapper #page-body')).to.have.length(1);
    expect($('html').attr('lang')).to.equal('en');
    expect($('html').hasClass('govuk-template')).to.equal(true);
    expect($('body').hasClass('govuk-template__body')).to.equal(true);
  });

  it('has a skip link to the main content first in the body', () => {
    const $ = renderLayout({ title: 'Home', body });
    const skip = $('body').children().first();
    expect(skip.is('a.govuk-skip-link')).to.equal(true);
    expect(skip.attr('href')).to.equal('#main-content');
    expect($('#main-content').is('main')).to.equal(true);
  });

  it('links the stylesheets, which exist where the app serves them', () => {
    const $ = renderLayout({ title: 'Home', body });
    const hrefs = $('link[rel=stylesheet]')
      .toArray()
      .map((l) => $(l).attr('href'));
    expect(hrefs).to.deep.equal(['/assets/govuk-frontend.min.css', '/public/app.css']);
    expect(existsSync(path.join(GOVUK_DIR, 'govuk-frontend.min.css'))).to.equal(true);
    expect(existsSync(APP_CSS_FILE)).to.equal(true);
  });

  it('names the service, linking home, and marks the current navigation item', () => {
    const nav = [
      { href: '/standards', text: 'Standards', current: true },
      { href: '/admin/users', text: 'Users & tokens', current: false },
    ];
    const $ = renderLayout({ title: 'Standards', body, nav });
    const service = $('.govuk-service-navigation__service-name a');
    expect(service.attr('href')).to.equal('/');
    expect(squash(service.text())).to.equal('EPA platform');
    const links = $('.govuk-service-navigation__list a');
    expect(links.toArray().map((a) => $(a).attr('href'))).to.deep.equal(['/standards', '/admin/users']);
    expect(links.eq(0).attr('aria-current')).to.equal('page');
    expect(links.eq(0).closest('li').hasClass('govuk-service-navigation__item--active')).to.equal(true);
    expect(links.eq(1).attr('aria-current')).to.equal(undefined);
    expect(squash(links.eq(1).text())).to.equal('Users & tokens');
    expect($('nav[aria-label]')).to.have.length(1);
  });

  it('has no navigation list without nav items', () => {
    expect(renderLayout({ title: 'Sign in', body })('.govuk-service-navigation__list')).to.have.length(0);
    expect(renderLayout({ title: 'Sign in', body, nav: [] })('.govuk-service-navigation__list')).to.have.length(0);
  });

  it('shows who is signed in and a sign-out form that posts the CSRF token', () => {
    const $ = renderLayout({
      title: 'Home',
      body,
      layoutUser: { name: 'Ada <Lovelace>', roleLabel: 'Administrator' },
      csrfToken: 'tok"en',
    });
    expect(squash($('.app-account__user').text())).to.equal(
      'Signed in as Ada <Lovelace> (Administrator) Change password',
    );
    expect($('.app-account__user a').attr('href')).to.equal('/account/password');
    expect($('header Lovelace')).to.have.length(0);
    const form = $('header form.app-account__sign-out');
    expect(form.attr('method')).to.equal('post');
    expect(form.attr('action')).to.equal('/sign-out');
    // Beside it, the search every page offers: a GET form, labelled.
    const search = $('header form[role=search]');
    expect(search.attr('method')).to.equal('get');
    expect(search.attr('action')).to.equal('/search');
    expect($(`label[for="${search.find('input[name=q]').attr('id')}"]`).text()).to.contain('Search apprentices');
    expect(form.find('input[type=hidden][name=_csrf]').attr('value')).to.equal('tok"en');
    const button = form.find('button');
    expect(button.hasClass('govuk-button')).to.equal(true);
    expect(button.hasClass('govuk-button--secondary')).to.equal(true);
    expect(squash(button.text())).to.equal('Sign out');
  });

  it('has no sign-out form when nobody is signed in', () => {
    const $ = renderLayout({ title: 'Sign in', body, csrfToken: 't' });
    expect($('form[action="/sign-out"]')).to.have.length(0);
    expect($('body').text()).not.to.contain('Signed in as');
  });

  it('shows the flash message in a success banner like govuk-frontend’s, escaped', () => {
    const $ = renderLayout({ title: 'Users', body, flash: 'Email sent to example@email.com' });
    const banner = $('.govuk-notification-banner');
    expect(banner).to.have.length(1);
    expect(signature($.html(banner))).to.deep.equal(
      signature(fixture('notification-banner', 'with type as success').html),
    );
    expect(banner.nextAll('#page-body')).to.have.length(1);
    expect(renderLayout({ title: 'Users', body, flash: '<i>x</i>' })('.govuk-notification-banner i')).to.have.length(0);
    expect(renderLayout({ title: 'Users', body })('.govuk-notification-banner')).to.have.length(0);
  });

  it('puts the back link before main, with its own text even if the page has a `text` variable', () => {
    const $ = renderLayout({ title: 'User', body, backLink: '/admin/users', text: 'Leaked' });
    const back = $('.govuk-back-link');
    expect(back).to.have.length(1);
    expect(back.attr('href')).to.equal('/admin/users');
    expect(back.text()).to.equal('Back');
    expect(back.nextAll('main')).to.have.length(1);
    expect(renderLayout({ title: 'User', body })('.govuk-back-link')).to.have.length(0);
  });

  it('works without JavaScript and is not branded GOV.UK', () => {
    const $ = renderLayout({
      title: 'Home',
      body,
      nav: [{ href: '/standards', text: 'Standards', current: true }],
      layoutUser: { name: 'A', roleLabel: 'B' },
    });
    expect($('script')).to.have.length(0);
    expect($('[style]')).to.have.length(0);
    const handlers = $('*')
      .toArray()
      .flatMap((el) => Object.keys($(el).attr() ?? {}).filter((name) => name.startsWith('on')));
    expect(handlers).to.deep.equal([]);
    expect(
      $(
        'svg, .govuk-header__logotype, .govuk-footer__crown, .govuk-footer__licence-logo, .govuk-footer__copyright-logo',
      ),
    ).to.have.length(0);
    expect($('body').text()).not.to.contain('GOV.UK');
    expect($('body').text()).not.to.contain('Crown');
    expect(squash($('footer.govuk-template__footer .govuk-footer').text())).to.equal('End-point assessment platform');
  });
});

describe('class names', () => {
  const css = readFileSync(path.join(GOVUK_DIR, 'govuk-frontend.min.css'), 'utf8');
  const templates = [path.join(GOVUK_DIR, 'template.njk')]
    .concat(readdirSync(COMPONENTS_DIR).map((c) => path.join(COMPONENTS_DIR, c, 'template.njk')))
    .filter((file) => existsSync(file))
    .map((file) => readFileSync(file, 'utf8'))
    .join('\n');
  const appCss = readFileSync(APP_CSS_FILE, 'utf8');

  it('are all govuk-frontend classes (or the app’s own, styled in public/app.css)', () => {
    const samples: string[] = [
      renderHtml('input', {
        name: 'a',
        label: 'A',
        hint: 'h',
        error: 'e',
        isPageHeading: true,
        classes: 'govuk-input--width-10',
      }),
      renderHtml('textarea', { name: 'b', label: 'B', hint: 'h', error: 'e' }),
      renderHtml('select', { name: 'c', label: 'C', error: 'e', items: [{ value: 1, text: 'One' }] }),
      renderHtml('radios', {
        name: 'd',
        legend: 'D',
        hint: 'h',
        error: 'e',
        inline: true,
        isPageHeading: true,
        items: [{ value: 1, text: 'One', hint: 'i' }],
      }),
      renderHtml('checkboxes', {
        name: 'e',
        legend: 'E',
        hint: 'h',
        error: 'e',
        items: [{ value: 1, text: 'One', hint: 'i' }],
      }),
      renderHtml('dateInput', { name: 'f', legend: 'F', hint: 'h', error: 'e' }),
      renderHtml('button', { text: 'Go', classes: 'govuk-button--secondary' }),
      renderHtml('errorSummary', { errors: [{ href: '#a', text: 'A' }] }),
      renderHtml('summaryList', {
        rows: [
          { key: 'k', value: 'v', actions: [{ href: '#', text: 'Change' }] },
          { key: 'k', value: 'v' },
        ],
      }),
      renderHtml('table', {
        caption: 'c',
        captionClasses: 'govuk-table__caption--m',
        head: [{ text: 'h', numeric: true }],
        rows: [
          [
            { text: 'a', header: true },
            { text: '1', numeric: true },
          ],
        ],
      }),
      renderHtml('backLink', { href: '/' }),
      renderLayout({
        title: 'T',
        body: '',
        errorList: [{ href: '#a', text: 'A' }],
        flash: 'Saved',
        backLink: '/',
        nav: [{ href: '/', text: 'Home', current: true }],
        layoutUser: { name: 'A', roleLabel: 'B' },
      }).html(),
    ];
    const classes = new Set<string>();
    for (const html of samples) {
      const $ = cheerio.load(html);
      $('[class]').each((_, el) => {
        for (const name of ($(el).attr('class') ?? '').split(/\s+/).filter(Boolean)) classes.add(name);
      });
    }
    expect(classes.size).to.be.greaterThan(50);
    const unknown = [...classes].filter((name) => {
      if (name.startsWith('app-')) return !appCss.includes(`.${name}`);
      return !css.includes(`.${name.replace(/!/g, '\\!')}`) && !templates.includes(name);
    });
    expect(unknown).to.deep.equal([]);
  });
});

describe('view helpers', () => {
  const call = (name: string, ...args: unknown[]): unknown => {
    const helper = viewHelpers[name];
    if (!helper) throw new Error(`No helper ${name}`);
    // Handlebars passes an options object last.
    return (helper as (...a: unknown[]) => unknown)(...args, { hash: {} });
  };

  it('eq compares as strings, and null or undefined only with each other', () => {
    expect(call('eq', 2, '2')).to.equal(true);
    expect(call('eq', 'a', 'b')).to.equal(false);
    expect(call('eq', undefined, 'undefined')).to.equal(false);
    expect(call('eq', null, '')).to.equal(false);
    expect(call('eq', undefined, null)).to.equal(true);
  });

  it('includes accepts a list or a single value', () => {
    expect(call('includes', ['1', '2'], 2)).to.equal(true);
    expect(call('includes', '2', 2)).to.equal(true);
    expect(call('includes', undefined, 2)).to.equal(false);
    expect(call('includes', ['1'], 2)).to.equal(false);
  });

  it('itemId gives name, name-2, name-3', () => {
    expect([0, 1, 2].map((i) => call('itemId', 'role', i))).to.deep.equal(['role', 'role-2', 'role-3']);
  });

  it('describedBy, coalesce, concat, inc, or, and, not, isNonEmpty, anyHas', () => {
    expect(call('describedBy', 'x', 'hint', '')).to.equal('x-hint');
    expect(call('describedBy', 'x', '', 'error')).to.equal('x-error');
    expect(call('describedBy', 'x', undefined, undefined)).to.equal('');
    expect(call('coalesce', '', undefined, 'name')).to.equal('name');
    expect(call('coalesce', 0, 'name')).to.equal(0);
    expect(call('concat', 'a', 1, undefined, '-b')).to.equal('a1-b');
    expect(call('inc', 0)).to.equal(1);
    expect(call('or', '', [], 'x')).to.equal('x');
    expect(call('and', 'a', [])).to.equal(false);
    expect(call('and', 'a', [1])).to.equal(true);
    expect(call('not', [])).to.equal(true);
    expect(call('isNonEmpty', '  ')).to.equal(false);
    expect(call('isNonEmpty', 0)).to.equal(true);
    expect(call('anyHas', [{ a: [] }, { a: [1] }], 'a')).to.equal(true);
    expect(call('anyHas', [{ a: [] }, {}], 'a')).to.equal(false);
  });
});
