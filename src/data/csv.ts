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
import { splitValidation } from './prepare.js';

export interface CsvOptions {
  /**
   * The label column: its index from 0, or its name in the header row; default the last column.
   * Labels that are all whole numbers ≥ 0 are the class indices themselves (classes: the largest
   * + 1); otherwise every label is a class name, the classes the names in sorted order.
   */
  label?: number | string;
  /**
   * Whether the first row names the columns; default: it does where none of its feature fields
   * is a number (a first row with some numbers and some words is data, and refused as such).
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
   * At least this many classes where labels are class indices (another set's count: a test set
   * need not hold every class). Default 0: the largest label + 1.
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

/**
 * Parses CSV text into a dataset: every column but the label column a feature (float32,
 * finite), every row the same width. Errors are FaWebGpuError 'invalid-data' naming the row
 * (numbered from 1 as read, the header included and empty lines not counted) and the column;
 * bad options are 'invalid-argument'.
 */
export function parseCsvDataset(text: string, options: CsvOptions = {}): CsvDataset {
  const name = options.name ?? 'CSV';
  if (typeof text !== 'string') throw invalid(`parseCsvDataset: expected the CSV text as a string, got ${describe(text)}`);
  checkCsvOptions(options);
  const bad = (message: string) => new FaWebGpuError('invalid-data', `${name}: ${message}`);
  const parsed = Papa.parse<string[]>(text.replace(/^\uFEFF/, ''), { delimiter: options.delimiter ?? '', skipEmptyLines: 'greedy' });
  const fatal = parsed.errors.find((e) => e.type !== 'Delimiter');
  if (fatal) throw bad(`${fatal.message}${fatal.row !== undefined ? ` (row ${fatal.row + 1} of the rows read)` : ''}`);
  const rows = parsed.data;
  if (rows.length === 0) throw bad('has no rows');
  const width = rows[0].length;
  if (width < 2) throw bad(`has ${width} column${width === 1 ? '' : 's'} in its first row (delimiter ${JSON.stringify(parsed.meta.delimiter)}); expected features and a label`);

  // The header: given, or a first row none of whose feature fields is a number.
  const labelGuess = typeof options.label === 'number' ? options.label : width - 1;
  const header = options.header ?? (typeof options.label === 'string' || rows[0].every((f, j) => j === labelGuess || Number.isNaN(numberOf(f))));
  const names = header ? rows[0].map((f) => f.trim()) : undefined;
  let label: number;
  if (typeof options.label === 'string') {
    if (!names) throw invalid(`label: ${JSON.stringify(options.label)} names a column, but ${name} has no header row`);
    label = names.indexOf(options.label);
    if (label < 0) throw invalid(`label: no column named ${JSON.stringify(options.label)} in ${name}; its columns are ${names.map((n) => JSON.stringify(n)).join(', ')}`);
  } else {
    label = options.label ?? width - 1;
    if (label >= width) throw invalid(`label: column ${label} does not exist; ${name} has ${width} columns (0 to ${width - 1})`);
  }
  const body = header ? rows.slice(1) : rows;
  const first = header ? 2 : 1;  // the text's row number of body[0], from 1 (empty lines are skipped and not counted)
  if (body.length === 0) throw bad('has a header row and no data rows');
  const features = width - 1;
  const columnName = (j: number) => (names ? `column ${j} (${JSON.stringify(names[j])})` : `column ${j}`);

  const x = new Float32Array(body.length * features);
  const labelFields: string[] = [];
  for (let i = 0; i < body.length; i++) {
    const row = body[i];
    if (row.length !== width) throw bad(`row ${first + i} has ${row.length} fields; the first row has ${width}`);
    let k = i * features;
    for (let j = 0; j < width; j++) {
      if (j === label) continue;
      const v = numberOf(row[j]);
      if (!Number.isFinite(v) || !Number.isFinite(Math.fround(v))) throw bad(`row ${first + i}, ${columnName(j)}: expected a finite number, got ${JSON.stringify(row[j])}`);
      x[k++] = v;
    }
    const l = row[label].trim();
    if (l === '') throw bad(`row ${first + i}, ${columnName(label)} (the label): is empty`);
    labelFields.push(l);
  }

  const { labels, classes, classNames } = classesOf(labelFields, options.classNames, options.classes ?? 0, (i, why) => bad(`row ${first + i}, ${columnName(label)} (the label): ${why}`));
  if (classes < 2) throw bad(`has one class (${classNames ? JSON.stringify(classNames[0]) : '0'}); a classifier needs at least 2`);
  const d: CsvDataset = { x, labels, features, classes, ...(classNames ? { classNames } : {}), ...(names ? { featureNames: names.filter((_, j) => j !== label) } : {}) };
  checkDataset(name, d);
  return d;
}

/** Class indices from the label fields: whole numbers ≥ 0 as they are, else names (sorted, or `known`'s). */
function classesOf(fields: string[], known: readonly string[] | undefined, atLeast: number, bad: (row: number, why: string) => Error): { labels: Int32Array; classes: number; classNames?: string[] } {
  const labels = new Int32Array(fields.length);
  const numeric = known === undefined && fields.every((f) => /^\d+$/.test(f));
  if (numeric) {
    let classes = atLeast;
    for (let i = 0; i < fields.length; i++) {
      const v = Number(fields[i]);
      if (v >= 2 ** 24) throw bad(i, `class index ${fields[i]} is past 2^24; labels that are numbers are class indices`);
      labels[i] = v;
      classes = Math.max(classes, v + 1);
    }
    return { labels, classes };
  }
  // Numbers that are not class indices (2.5, -1) beside other numbers are a mistake, not names.
  if (known === undefined && fields.every((f) => !Number.isNaN(numberOf(f)))) {
    const i = fields.findIndex((f) => !/^\d+$/.test(f));
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
export async function loadCsvDataset(src: DataSource, options: CsvOptions = {}): Promise<CsvDataset> {
  const name = options.name ?? sourceName(src);
  const bytes = await gunzipIfNeeded(await readSource(src), name);
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new FaWebGpuError('invalid-data', `${name}: is not UTF-8 text`);
  }
  return parseCsvDataset(text, { ...options, name });
}

/** The share of a CSV's rows loadCsvSets holds out as the test set where no test file is given (seeded: seed 1). */
export const CSV_TEST_FRACTION = 0.2;

/**
 * A training set and a test set from CSV sources: the test file's rows (its class names mapped
 * to the training file's classes, the same feature columns; whole-number labels make both sets
 * as many classes as the larger needs), or without one a seeded fifth of the training rows
 * (CSV_TEST_FRACTION). What the command line's `--data csv` and the page's table use.
 */
export async function loadCsvSets(train: DataSource, test?: DataSource, options: Omit<CsvOptions, 'classNames' | 'classes' | 'name'> = {}): Promise<{ train: CsvDataset; test: CsvDataset }> {
  const all = await loadCsvDataset(train, options);
  if (test === undefined) {
    const { train: rest, validation } = splitValidation(all, CSV_TEST_FRACTION, 1);
    return { train: rest as CsvDataset, test: validation as CsvDataset };
  }
  // (a test file may hold fewer classes than the training file: the training file's count is its floor)
  const held = await loadCsvDataset(test, { ...options, classNames: all.classNames, ...(all.classNames ? {} : { classes: all.classes }) });
  if (held.features !== all.features) throw new FaWebGpuError('invalid-data', `${sourceName(test)}: has ${held.features} feature columns; ${sourceName(train)} has ${all.features}`);
  const classes = Math.max(all.classes, held.classes);
  return { train: { ...all, classes }, test: { ...held, classes } };
}
