/**
 * Tabular data from CSV text: one row a sample, numeric feature columns and one label column.
 * Parsing (quotes, delimiters, line ends) is Papa Parse's; this module turns its rows into a
 * Dataset and refuses, naming the row and column, what a network could not train on.
 */
import Papa from 'papaparse';
import { FaWebGpuError, invalid } from '../errors.js';
import { describe } from '../validate.js';
import { checkDataset, type FloatDataset } from './dataset.js';
import { gunzipIfNeeded, readSource, sourceName, type DataSource } from './idx.js';
import { splitValidation, validationRows, type Normalization } from './prepare.js';

export interface CsvOptions {
  /**
   * The label column: its index from 0, or its name in the header row; default the last column.
   * Labels that are all whole-valued numbers ≥ 0 (3, 3.0, 03) are the class indices themselves
   * (classes: the largest + 1); otherwise every label is a class name, the classes the names in
   * sorted order (numbers among them that are not indices, 2.5 or −1, are refused).
   */
  label?: number | string;
  /**
   * Whether the first row names the columns; default: it does where none of its feature fields
   * is a number (nor empty, NaN or a decimal comma), or where its label field is a word and
   * every later label a class index (a header of numbered columns, 0,1,…,783,label); a first
   * row with some numbers and some words is data, and refused as such.
   */
  header?: boolean;
  /** The field delimiter; default: guessed from the text (',', ';', tab, '|'). */
  delimiter?: string;
  /**
   * The class names of another set (its `classNames`), so that a test set's names map to the
   * training set's indices; a name not among them is refused. Only where labels are names.
   */
  classNames?: readonly string[];
  /**
   * Another set's count of classes where its labels were class indices: these labels must be
   * indices too, and the classes at least this many (a test set need not hold every class).
   * Default 0: the largest label + 1, names allowed.
   */
  classes?: number;
  /** The name messages give the data (default 'CSV'). */
  name?: string;
}

/** A dataset from CSV, with the feature columns' names where the text had a header. */
export type CsvDataset = FloatDataset & { featureNames?: readonly string[] };

const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/** The field as a number, or NaN where it is not one (an empty field, a word, 'NaN'). */
function numberOf(field: string): number {
  const t = field.trim();
  return NUMBER.test(t) ? Number(t) : NaN;
}

/** A field that can name a column: not empty, not a number (nor one with a decimal comma), not a spelling of NaN or infinity. */
function isName(field: string): boolean {
  const t = field.trim();
  return t !== '' && Number.isNaN(numberOf(t)) && !DECIMAL_COMMA.test(t) && !/^[+-]?(nan|inf(inity)?)$/i.test(t);
}

/** A number written with a decimal comma (1,5): not read, but said so. */
const DECIMAL_COMMA = /^[+-]?\d*,\d+$/;

/** A label field that is a class index: a whole number ≥ 0 however written ("3", "3.0", "03"). */
function isIndex(field: string): boolean {
  const v = numberOf(field);
  return Number.isInteger(v) && v >= 0;
}

/** The delimiters Papa Parse guesses among; a field holding another of them hints at a wrong guess. */
const DELIMITERS = [',', ';', '\t', '|'];

/**
 * Parses CSV text into a dataset: every column but the label column a feature (float32,
 * finite), every row the same width. Errors are FaWebGpuError 'invalid-data' naming the row
 * (the record's number from 1, the header's included: the line's number where no quoted field
 * spans lines; blank lines are skipped) and the column; bad options are 'invalid-argument'.
 */
export function parseCsvDataset(text: string, options: CsvOptions = {}): CsvDataset {
  const name = options.name ?? 'CSV';
  if (typeof text !== 'string') throw invalid(`parseCsvDataset: expected the CSV text as a string, got ${describe(text)}`);
  checkCsvOptions(options);
  const bad = (message: string) => new FaWebGpuError('invalid-data', `${name}: ${message}`);
  const parsed = Papa.parse<string[]>(text.replace(/^\uFEFF/, ''), { delimiter: options.delimiter ?? '' });
  const fatal = parsed.errors.find((e) => e.type !== 'Delimiter');
  if (fatal) throw bad(`row ${(fatal.row ?? 0) + 1}: ${fatal.message}`);
  const delimiter = parsed.meta.delimiter;
  // A guessed delimiter that another one inside the fields contradicts: the hint for a refusal.
  const guessed = options.delimiter === undefined;
  const hint = (field: string) => {
    const other = guessed ? DELIMITERS.find((c) => c !== delimiter && field.includes(c)) : undefined;
    if (other) return ` (the delimiter was guessed as ${JSON.stringify(delimiter)}, and the field holds ${JSON.stringify(other)}: give the delimiter if that is the one; decimal commas are not read)`;
    return DECIMAL_COMMA.test(field.trim()) ? ' (decimal commas are not read: write 1.5, not 1,5)' : '';
  };
  // Records numbered from 1, blank ones (an empty line) left out.
  const records: { n: number; fields: string[] }[] = [];
  parsed.data.forEach((fields, i) => { if (!(fields.length === 1 && fields[0].trim() === '')) records.push({ n: i + 1, fields }); });
  if (records.length === 0) throw bad('has no rows');
  const top = records[0].fields;
  const width = top.length;
  if (width < 2) throw bad(`has ${width} column${width === 1 ? '' : 's'} in its first row (delimiter ${JSON.stringify(delimiter)}); expected features and a label${hint(top[0])}`);

  // The header: given; or the label by name; or a first row none of whose feature fields is a
  // number; or one whose label field is a name where every later label is a class index (a
  // header of numbered columns: 0,1,…,783,label).
  const labelGuess = typeof options.label === 'number' ? options.label : width - 1;
  const header = options.header ?? (typeof options.label === 'string'
    || top.every((f, j) => j === labelGuess || isName(f))
    || (labelGuess < width && isName(top[labelGuess]) && records.length > 1 && records.slice(1).every((r) => r.fields.length > labelGuess && isIndex(r.fields[labelGuess]))));
  const names = header ? top.map((f) => f.trim()) : undefined;
  let label: number;
  if (typeof options.label === 'string') {
    if (!names) throw invalid(`label: ${JSON.stringify(options.label)} names a column, but ${name} has no header row`);
    const at = names.flatMap((n, j) => (n === options.label ? [j] : []));
    if (at.length === 0) throw invalid(`label: no column named ${JSON.stringify(options.label)} in ${name}; its columns are ${names.map((n) => JSON.stringify(n)).join(', ')}`);
    if (at.length > 1) throw invalid(`label: ${at.length} columns of ${name} are named ${JSON.stringify(options.label)} (${at.join(', ')}); give the column's index`);
    label = at[0];
  } else {
    label = options.label ?? width - 1;
    if (label >= width) throw invalid(`label: column ${label} does not exist; ${name} has ${width} columns (0 to ${width - 1})`);
  }
  const body = header ? records.slice(1) : records;
  if (body.length === 0) throw bad('has a header row and no data rows');
  const features = width - 1;
  const columnName = (j: number) => (names ? `column ${j} (${JSON.stringify(names[j])})` : `column ${j}`);

  const x = new Float32Array(body.length * features);
  const labelFields: string[] = [];
  for (let i = 0; i < body.length; i++) {
    const { n, fields } = body[i];
    if (fields.length !== width) throw bad(`row ${n} has ${fields.length} fields; the first row has ${width}${fields.length === 1 ? hint(fields[0]) : ''}`);
    let k = i * features;
    for (let j = 0; j < width; j++) {
      if (j === label) continue;
      const v = numberOf(fields[j]);
      if (!Number.isFinite(v) || !Number.isFinite(Math.fround(v))) throw bad(`row ${n}, ${columnName(j)}: expected a finite number, got ${JSON.stringify(fields[j])}${hint(fields[j])}`);
      x[k++] = v;
    }
    const l = fields[label].trim();
    if (l === '') throw bad(`row ${n}, ${columnName(label)} (the label): is empty`);
    // a label holding another delimiter would make a class of the rest of a row
    const h = hint(l);
    if (h) throw bad(`row ${n}, ${columnName(label)} (the label): ${JSON.stringify(l)}${h}`);
    labelFields.push(l);
  }

  const { labels, classes, classNames } = classesOf(labelFields, options.classNames, options.classes ?? 0, (i, why) => bad(`row ${body[i].n}, ${columnName(label)} (the label): ${why}`));
  if (classes < 2) throw bad(`has one class (${classNames ? JSON.stringify(classNames[0]) : '0'}); a classifier needs at least 2`);
  const d: CsvDataset = { x, labels, features, classes, ...(classNames ? { classNames } : {}), ...(names ? { featureNames: names.filter((_, j) => j !== label) } : {}) };
  checkDataset(name, d);
  return d;
}

/** Class indices from the label fields: whole numbers ≥ 0 as they are, else names (sorted, or `known`'s). */
function classesOf(fields: string[], known: readonly string[] | undefined, atLeast: number, bad: (row: number, why: string) => Error): { labels: Int32Array; classes: number; classNames?: string[] } {
  const labels = new Int32Array(fields.length);
  const numeric = known === undefined && fields.every(isIndex);
  if (numeric) {
    let classes = atLeast;
    for (let i = 0; i < fields.length; i++) {
      const v = numberOf(fields[i]);
      if (v >= 2 ** 24) throw bad(i, `class index ${fields[i]} is past 2^24; labels that are numbers are class indices`);
      labels[i] = v;
      classes = Math.max(classes, v + 1);
    }
    return { labels, classes };
  }
  // Another set's labels were class indices (`atLeast` is its count): so must these be.
  if (known === undefined && atLeast > 0) {
    const i = fields.findIndex((f) => !isIndex(f));
    throw bad(i, `expected a class index (a whole number >= 0), as the other set's labels are, got ${JSON.stringify(fields[i])}`);
  }
  // Numbers that are not class indices (2.5, -1) beside other numbers are a mistake, not names.
  if (known === undefined && fields.every((f) => !Number.isNaN(numberOf(f)))) {
    const i = fields.findIndex((f) => !isIndex(f));
    throw bad(i, `expected a class index (a whole number >= 0) or a class name, got ${JSON.stringify(fields[i])} among numbers`);
  }
  const classNames = known ? [...known] : [...new Set(fields)].sort();
  const index = new Map(classNames.map((c, i) => [c, i]));
  for (let i = 0; i < fields.length; i++) {
    const c = index.get(fields[i]);
    if (c === undefined) throw bad(i, `${JSON.stringify(fields[i])} is not one of the ${classNames.length} classes given (${classNames.map((n) => JSON.stringify(n)).join(', ')})`);
    labels[i] = c;
  }
  return { labels, classes: classNames.length, classNames };
}

function checkCsvOptions(o: CsvOptions): void {
  if (typeof o !== 'object' || o === null) throw invalid(`CSV options: expected an object, got ${describe(o)}`);
  if (o.label !== undefined && !(typeof o.label === 'string' || (Number.isInteger(o.label) && o.label >= 0))) {
    throw invalid(`label: expected a column index (an integer >= 0) or a column name, got ${describe(o.label)}`);
  }
  if (o.header !== undefined && typeof o.header !== 'boolean') throw invalid(`header: expected true or false, got ${describe(o.header)}`);
  if (o.delimiter !== undefined && (typeof o.delimiter !== 'string' || o.delimiter.length !== 1 || /["\r\n]/.test(o.delimiter))) {
    throw invalid(`delimiter: expected one character other than a quote or a line end, got ${describe(o.delimiter)}`);
  }
  if (o.classes !== undefined && !(Number.isInteger(o.classes) && o.classes >= 0 && o.classes <= 2 ** 24)) throw invalid(`classes: expected an integer from 0 to 2^24, got ${describe(o.classes)}`);
  if (o.classNames !== undefined && !(Array.isArray(o.classNames) && o.classNames.length >= 2 && o.classNames.every((c) => typeof c === 'string') && new Set(o.classNames).size === o.classNames.length)) {
    throw invalid(`classNames: expected at least 2 distinct strings, got ${describe(o.classNames)}`);
  }
}

/**
 * Reads a CSV source (a path, URL, Blob, or bytes; gzipped or not) and parses it as
 * parseCsvDataset does, its name in messages the source's.
 */
/** The most text a JavaScript string holds in V8 (2^29 − 24 UTF-16 units): a larger CSV is refused before decoding. */
export const MAX_CSV_BYTES = 2 ** 29 - 24;

export async function loadCsvDataset(src: DataSource, options: CsvOptions = {}): Promise<CsvDataset> {
  const name = options.name ?? sourceName(src);
  const bytes = await gunzipIfNeeded(await readSource(src), name);
  if (bytes.length > MAX_CSV_BYTES) throw new FaWebGpuError('invalid-data', `${name}: holds ${bytes.length} bytes, more than the ${MAX_CSV_BYTES} a JavaScript string of text holds; split it, or keep fewer rows`);
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch (e) {
    if (e instanceof TypeError) throw new FaWebGpuError('invalid-data', `${name}: is not UTF-8 text`);
    throw e;
  }
  return parseCsvDataset(text, { ...options, name });
}

/** The share of a CSV's rows loadCsvSets holds out as the test set where no test file is given (seeded: seed 1). */
export const CSV_TEST_FRACTION = 0.2;

/**
 * How the command line and the page normalise a table's features unless told otherwise: each
 * column by its own mean and deviation (a table's columns have their own units and ranges).
 */
export const CSV_NORMALIZATION = 'standardize-per-feature' satisfies Normalization;

/**
 * The label column as a person types it (a command-line flag, a form field): '' for the
 * default (the last column), digits for an index, anything else a header name.
 */
export function csvLabelColumn(text: string): number | string | undefined {
  const t = text.trim();
  return t === '' ? undefined : /^\d+$/.test(t) ? Number(t) : t;
}

/**
 * A training set and a test set from CSV sources: the test file's rows (its class names mapped
 * to the training file's classes, the same feature columns, by name where both have a header;
 * whole-number labels make both sets as many classes as the larger needs), or without one a
 * seeded fifth of the training rows (CSV_TEST_FRACTION). What the command line's `--data csv`
 * and the page's table use.
 */
export async function loadCsvSets(train: DataSource, test?: DataSource, options: Omit<CsvOptions, 'classNames' | 'classes' | 'name'> = {}): Promise<{ train: CsvDataset; test: CsvDataset }> {
  const all = await loadCsvDataset(train, options);
  const trainName = sourceName(train);
  if (test === undefined) {
    const n = all.labels.length, held = validationRows(n, CSV_TEST_FRACTION);
    if (held < 1 || held >= n) throw new FaWebGpuError('invalid-data', `${trainName}: has ${n} rows, too few to hold out ${CSV_TEST_FRACTION * 100}% as the test set; give a test file too`);
    const { train: rest, validation } = splitValidation(all, CSV_TEST_FRACTION, 1);
    return { train: rest as CsvDataset, test: validation as CsvDataset };
  }
  const testName = sourceName(test);
  // (a test file may hold fewer classes than the training file: the training file's count is its floor)
  const held = await loadCsvDataset(test, { ...options, classNames: all.classNames, ...(all.classNames ? {} : { classes: all.classes }) });
  if (held.features !== all.features) throw new FaWebGpuError('invalid-data', `${testName}: has ${held.features} feature columns; ${trainName} has ${all.features}`);
  if (all.featureNames && held.featureNames && all.featureNames.some((f, j) => f !== held.featureNames![j])) {
    throw new FaWebGpuError('invalid-data', `${testName}: its feature columns are ${held.featureNames.map((f) => JSON.stringify(f)).join(', ')}; ${trainName}'s are ${all.featureNames.map((f) => JSON.stringify(f)).join(', ')} (the same names in the same order)`);
  }
  const classes = Math.max(all.classes, held.classes);
  return { train: { ...all, classes }, test: { ...held, classes } };
}
