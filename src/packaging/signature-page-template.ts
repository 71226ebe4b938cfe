/**
 * The signature page of a Paraph package: the page after the original document's pages that says
 * who signed, how and when. Everything a service may want to change is here, as a plain JSON-able
 * object: page size and margins, which fields each signer's row shows, how the national identity
 * number is shown, the time zone, font sizes, and the texts in every language. docs/pades.md
 * describes each field with an example.
 *
 * Texts may hold placeholders in braces, replaced when the page is drawn:
 * - title, intro: `{document}` (the document's description), `{signers}` (how many signed);
 * - footer: `{time}` (the packaging time), `{attachments}` (how many files are attached);
 * - pageLabel: `{page}`, `{pages}` (numbering among the signature pages).
 */

/** A field of a signer's row, in the order given by `SignaturePageTemplate.fields`. */
export type SignerField = 'name' | 'method' | 'signingTime' | 'nationalId' | 'nationality';

/** How the national identity number is shown: in full, with all but its first characters masked, or not at all. */
export type NationalIdDisplay = 'full' | 'masked' | 'hidden';

export type PageSize = 'A4' | 'Letter' | readonly [width: number, height: number];

/** The texts of the signature page in one language. */
export interface SignaturePageStrings {
  /** BCP 47 locale used for dates, e.g. `nb-NO`. */
  readonly locale: string;
  readonly title: string;
  /** Shown above the signers; may be empty. */
  readonly intro: string;
  /** Added to the title on the pages after the first. */
  readonly continued: string;
  /** Labels of the signer fields (`name` is shown as the row's heading, its label only when not first). */
  readonly labels: Readonly<Record<SignerField, string>>;
  /** Label of the original document's SHA-256. */
  readonly documentDigest: string;
  /** Label of the document's description. */
  readonly document: string;
  readonly footer: string;
  readonly pageLabel: string;
  /** Names of the signature methods by method id (e.g. `nbid-sign`); an unknown id is shown as it is. */
  readonly methods: Readonly<Record<string, string>>;
  /** Country names by ISO 3166-1 alpha-2 code; an unknown code is shown as it is. */
  readonly countries: Readonly<Record<string, string>>;
}

export interface SignaturePageTemplate {
  /** `A4`, `Letter`, or [width, height] in points (1/72 inch). */
  readonly pageSize: PageSize;
  /** Margin on every side, in points. */
  readonly margin: number;
  readonly fontSizes: { readonly title: number; readonly heading: number; readonly body: number; readonly small: number };
  /** The fields of each signer's row, in order; each at most once. */
  readonly fields: readonly SignerField[];
  readonly nationalId: NationalIdDisplay;
  /** With `masked`: how many leading characters stay visible (6 shows a Nordic id's birth date). */
  readonly maskedVisible: number;
  /** IANA time zone the signing times are shown in, e.g. `Europe/Oslo`. */
  readonly timeZone: string;
  /** Show the original document's description. */
  readonly showDocument: boolean;
  /** Show the SHA-256 of the original document's bytes. */
  readonly showDocumentDigest: boolean;
  /** Language used when none is asked for, or the one asked for has no texts here. */
  readonly defaultLanguage: string;
  /** Texts by language code (lowercase ISO 639-1: nb, da, sv, en, …). */
  readonly strings: Readonly<Record<string, SignaturePageStrings>>;
}

const FIELDS: readonly SignerField[] = ['name', 'method', 'signingTime', 'nationalId', 'nationality'];

const METHOD_NAMES_NB = {
  'nbid-sign': 'BankID',
  'nemid-sign': 'NemID',
  'sbid-sign': 'BankID (Sverige)',
  'nets-sms': 'Engangskode på SMS',
  'email-otp': 'Engangskode på e-post',
};

const STRINGS: Record<'nb' | 'da' | 'sv' | 'en', SignaturePageStrings> = {
  nb: {
    locale: 'nb-NO',
    title: 'Signaturer',
    intro: 'Dokumentet er signert elektronisk av {signers} signatar(er).',
    continued: '(fortsatt)',
    labels: { name: 'Navn', method: 'Signert med', signingTime: 'Tidspunkt', nationalId: 'Fødselsnummer', nationality: 'Land' },
    documentDigest: 'Dokumentets sjekksum (SHA-256)',
    document: 'Dokument',
    footer:
      'Forseglet {time}. De signerte originalene ({attachments} filer) er vedlagt dette dokumentet, og forseglingen kan kontrolleres i en PDF-leser.',
    pageLabel: 'Side {page} av {pages}',
    methods: METHOD_NAMES_NB,
    countries: { NO: 'Norge', DK: 'Danmark', SE: 'Sverige', FI: 'Finland' },
  },
  da: {
    locale: 'da-DK',
    title: 'Underskrifter',
    intro: 'Dokumentet er underskrevet elektronisk af {signers} underskriver(e).',
    continued: '(fortsat)',
    labels: { name: 'Navn', method: 'Underskrevet med', signingTime: 'Tidspunkt', nationalId: 'CPR-nummer', nationality: 'Land' },
    documentDigest: 'Dokumentets kontrolsum (SHA-256)',
    document: 'Dokument',
    footer:
      'Forseglet {time}. De underskrevne originaler ({attachments} filer) er vedhæftet dette dokument, og forseglingen kan kontrolleres i en PDF-læser.',
    pageLabel: 'Side {page} af {pages}',
    methods: {
      'nbid-sign': 'BankID (Norge)',
      'nemid-sign': 'NemID',
      'sbid-sign': 'BankID (Sverige)',
      'nets-sms': 'Engangskode på SMS',
      'email-otp': 'Engangskode på e-mail',
    },
    countries: { NO: 'Norge', DK: 'Danmark', SE: 'Sverige', FI: 'Finland' },
  },
  sv: {
    locale: 'sv-SE',
    title: 'Underskrifter',
    intro: 'Dokumentet är undertecknat elektroniskt av {signers} undertecknare.',
    continued: '(fortsättning)',
    labels: { name: 'Namn', method: 'Undertecknat med', signingTime: 'Tidpunkt', nationalId: 'Personnummer', nationality: 'Land' },
    documentDigest: 'Dokumentets kontrollsumma (SHA-256)',
    document: 'Dokument',
    footer:
      'Förseglat {time}. De undertecknade originalen ({attachments} filer) är bifogade detta dokument, och förseglingen kan kontrolleras i en PDF-läsare.',
    pageLabel: 'Sida {page} av {pages}',
    methods: {
      'nbid-sign': 'BankID (Norge)',
      'nemid-sign': 'NemID',
      'sbid-sign': 'BankID',
      'nets-sms': 'Engångskod via sms',
      'email-otp': 'Engångskod via e-post',
    },
    countries: { NO: 'Norge', DK: 'Danmark', SE: 'Sverige', FI: 'Finland' },
  },
  en: {
    locale: 'en-GB',
    title: 'Signatures',
    intro: 'This document has been signed electronically by {signers} signer(s).',
    continued: '(continued)',
    labels: { name: 'Name', method: 'Signed with', signingTime: 'Time', nationalId: 'National identity number', nationality: 'Country' },
    documentDigest: 'Document checksum (SHA-256)',
    document: 'Document',
    footer:
      'Sealed {time}. The signed originals ({attachments} files) are attached to this document, and the seal can be checked in a PDF reader.',
    pageLabel: 'Page {page} of {pages}',
    methods: {
      'nbid-sign': 'BankID (Norway)',
      'nemid-sign': 'NemID',
      'sbid-sign': 'BankID (Sweden)',
      'nets-sms': 'One-time code by SMS',
      'email-otp': 'One-time code by e-mail',
    },
    countries: { NO: 'Norway', DK: 'Denmark', SE: 'Sweden', FI: 'Finland' },
  },
};

/** The signature page Paraph draws unless a service configures another. */
export const defaultTemplate: SignaturePageTemplate = deepFreeze({
  pageSize: 'A4',
  margin: 56,
  fontSizes: { title: 18, heading: 12, body: 10, small: 8 },
  fields: ['name', 'method', 'signingTime', 'nationalId'],
  nationalId: 'masked',
  maskedVisible: 6,
  timeZone: 'Europe/Oslo',
  showDocument: true,
  showDocumentDigest: true,
  defaultLanguage: 'nb',
  strings: STRINGS,
});

/**
 * A template from JSON (a service's configuration): every field is optional and falls back to
 * defaultTemplate; the texts of a language merge over the default texts of that language, so a
 * template may change one label only. A new language must give every text. Unknown fields, wrong
 * types and out-of-range values are errors that name the field.
 */
export function loadTemplate(json: unknown): SignaturePageTemplate {
  const input = record(json, 'template');
  known(input, 'template', [
    'pageSize',
    'margin',
    'fontSizes',
    'fields',
    'nationalId',
    'maskedVisible',
    'timeZone',
    'showDocument',
    'showDocumentDigest',
    'defaultLanguage',
    'strings',
  ]);
  const base = defaultTemplate;
  const fontSizes = input.fontSizes === undefined ? base.fontSizes : loadFontSizes(input.fontSizes);
  const strings = input.strings === undefined ? base.strings : loadStrings(input.strings);
  const defaultLanguage = input.defaultLanguage === undefined ? base.defaultLanguage : language(input.defaultLanguage, 'template.defaultLanguage');
  if (!strings[defaultLanguage]) throw new Error(`template.defaultLanguage: no texts for "${defaultLanguage}"`);
  return deepFreeze({
    pageSize: input.pageSize === undefined ? base.pageSize : loadPageSize(input.pageSize),
    margin: input.margin === undefined ? base.margin : number(input.margin, 'template.margin', 0, 200),
    fontSizes,
    fields: input.fields === undefined ? base.fields : loadFields(input.fields),
    nationalId: input.nationalId === undefined ? base.nationalId : oneOf(input.nationalId, 'template.nationalId', ['full', 'masked', 'hidden'] as const),
    maskedVisible: input.maskedVisible === undefined ? base.maskedVisible : integer(input.maskedVisible, 'template.maskedVisible', 0, 32),
    timeZone: input.timeZone === undefined ? base.timeZone : loadTimeZone(input.timeZone),
    showDocument: input.showDocument === undefined ? base.showDocument : boolean(input.showDocument, 'template.showDocument'),
    showDocumentDigest:
      input.showDocumentDigest === undefined ? base.showDocumentDigest : boolean(input.showDocumentDigest, 'template.showDocumentDigest'),
    defaultLanguage,
    strings,
  });
}

/**
 * The texts for `requested` (a language tag such as `nb`, `no`, `en-GB`, or undefined): its primary
 * language when the template has it (`no` and `nn` count as `nb`), else the default language.
 */
export function stringsFor(template: SignaturePageTemplate, requested: string | undefined): SignaturePageStrings {
  const primary = (requested ?? '').toLowerCase().split(/[-_]/)[0] ?? '';
  const code = primary === 'no' || primary === 'nn' ? 'nb' : primary;
  const found = template.strings[code] ?? template.strings[template.defaultLanguage];
  if (!found) throw new Error(`the template has no texts for its default language "${template.defaultLanguage}"`);
  return found;
}

/** Page width and height in points. */
export function pageDimensions(size: PageSize): [number, number] {
  if (size === 'A4') return [595.28, 841.89];
  if (size === 'Letter') return [612, 792];
  return [size[0], size[1]];
}

function loadPageSize(value: unknown): PageSize {
  if (value === 'A4' || value === 'Letter') return value;
  if (Array.isArray(value) && value.length === 2) {
    return [number(value[0], 'template.pageSize[0]', 144, 14400), number(value[1], 'template.pageSize[1]', 144, 14400)];
  }
  throw new Error('template.pageSize: expected "A4", "Letter" or [width, height] in points');
}

function loadFontSizes(value: unknown): SignaturePageTemplate['fontSizes'] {
  const input = record(value, 'template.fontSizes');
  known(input, 'template.fontSizes', ['title', 'heading', 'body', 'small']);
  const size = (key: 'title' | 'heading' | 'body' | 'small'): number =>
    input[key] === undefined ? defaultTemplate.fontSizes[key] : number(input[key], `template.fontSizes.${key}`, 4, 72);
  return { title: size('title'), heading: size('heading'), body: size('body'), small: size('small') };
}

function loadFields(value: unknown): SignerField[] {
  if (!Array.isArray(value)) throw new Error('template.fields: expected an array');
  const fields = value.map((item, index) => oneOf(item, `template.fields[${index}]`, FIELDS));
  if (new Set(fields).size !== fields.length) throw new Error('template.fields: a field is listed twice');
  return fields;
}

function loadTimeZone(value: unknown): string {
  if (typeof value !== 'string') throw new Error('template.timeZone: expected an IANA time zone name');
  try {
    new Intl.DateTimeFormat('en', { timeZone: value });
  } catch {
    throw new Error(`template.timeZone: unknown time zone "${value}"`);
  }
  return value;
}

function loadStrings(value: unknown): Record<string, SignaturePageStrings> {
  const input = record(value, 'template.strings');
  const result: Record<string, SignaturePageStrings> = { ...defaultTemplate.strings };
  for (const [key, texts] of Object.entries(input)) {
    const code = language(key, `template.strings key "${key}"`);
    result[code] = loadLanguage(texts, defaultTemplate.strings[code], `template.strings.${code}`);
  }
  return result;
}

const STRING_KEYS = ['locale', 'title', 'intro', 'continued', 'documentDigest', 'document', 'footer', 'pageLabel'] as const;

function loadLanguage(value: unknown, base: SignaturePageStrings | undefined, path: string): SignaturePageStrings {
  const input = record(value, path);
  known(input, path, [...STRING_KEYS, 'labels', 'methods', 'countries']);
  const text = (key: (typeof STRING_KEYS)[number]): string => {
    const given = input[key];
    if (given === undefined) {
      if (!base) throw new Error(`${path}.${key}: required for a language without default texts`);
      return base[key];
    }
    return string(given, `${path}.${key}`);
  };
  const locale = text('locale');
  try {
    new Intl.DateTimeFormat(locale);
  } catch {
    throw new Error(`${path}.locale: "${locale}" is not a valid locale`);
  }
  const labelsInput = input.labels === undefined ? {} : record(input.labels, `${path}.labels`);
  known(labelsInput, `${path}.labels`, FIELDS);
  const labels = {} as Record<SignerField, string>;
  for (const field of FIELDS) {
    const given = labelsInput[field];
    if (given !== undefined) labels[field] = string(given, `${path}.labels.${field}`);
    else if (base) labels[field] = base.labels[field];
    else throw new Error(`${path}.labels.${field}: required for a language without default texts`);
  }
  return {
    locale,
    title: text('title'),
    intro: text('intro'),
    continued: text('continued'),
    labels,
    documentDigest: text('documentDigest'),
    document: text('document'),
    footer: text('footer'),
    pageLabel: text('pageLabel'),
    methods: { ...base?.methods, ...stringMap(input.methods, `${path}.methods`) },
    countries: { ...base?.countries, ...stringMap(input.countries, `${path}.countries`) },
  };
}

function stringMap(value: unknown, path: string): Record<string, string> {
  if (value === undefined) return {};
  const input = record(value, path);
  const result: Record<string, string> = {};
  for (const [key, item] of Object.entries(input)) result[key] = string(item, `${path}.${key}`);
  return result;
}

function record(value: unknown, path: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Error(`${path}: expected an object`);
  return value as Record<string, unknown>;
}

function known(input: Record<string, unknown>, path: string, keys: readonly string[]): void {
  for (const key of Object.keys(input)) {
    if (!keys.includes(key)) throw new Error(`${path}: unknown field "${key}" (known: ${keys.join(', ')})`);
  }
}

function string(value: unknown, path: string): string {
  if (typeof value !== 'string') throw new Error(`${path}: expected a string`);
  if (value.length > 2000) throw new Error(`${path}: longer than 2000 characters`);
  return value;
}

function number(value: unknown, path: string, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) throw new Error(`${path}: expected a number`);
  if (value < min || value > max) throw new Error(`${path}: ${value} is outside ${min}..${max}`);
  return value;
}

function integer(value: unknown, path: string, min: number, max: number): number {
  const result = number(value, path, min, max);
  if (!Number.isInteger(result)) throw new Error(`${path}: expected a whole number`);
  return result;
}

function boolean(value: unknown, path: string): boolean {
  if (typeof value !== 'boolean') throw new Error(`${path}: expected true or false`);
  return value;
}

function oneOf<T extends string>(value: unknown, path: string, allowed: readonly T[]): T {
  if (typeof value !== 'string' || !(allowed as readonly string[]).includes(value)) {
    throw new Error(`${path}: expected one of ${allowed.map((item) => `"${item}"`).join(', ')}`);
  }
  return value as T;
}

function language(value: unknown, path: string): string {
  if (typeof value !== 'string' || !/^[a-z]{2,3}$/.test(value)) throw new Error(`${path}: expected a lowercase ISO 639 language code`);
  return value;
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const item of Object.values(value)) deepFreeze(item);
  }
  return value;
}
