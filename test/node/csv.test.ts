/** CSV datasets: parsing into features and labels, and every refusal naming its row and column. */
import { describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { accuracy, confusionMatrix, CSV_TEST_FRACTION, FaWebGpuError, loadCsvDataset, loadCsvSets, parseCsvDataset, type CsvOptions } from '../../src/index.js';

function refusal(text: string, options: CsvOptions = {}): FaWebGpuError {
  try {
    parseCsvDataset(text, options);
  } catch (e) {
    expect(e).toBeInstanceOf(FaWebGpuError);
    return e as FaWebGpuError;
  }
  throw new Error('expected a refusal');
}

describe('parseCsvDataset', () => {
  it('reads a header, numeric features and class names (sorted), the label last by default', () => {
    const d = parseCsvDataset('sepal,petal,species\n5.1,1.4,setosa\n6.2,4.5,versicolor\r\n5.9,5.1,virginica\n4.9,1.5,setosa\n');
    expect(d.features).toBe(2);
    expect(d.classes).toBe(3);
    expect(d.classNames).toEqual(['setosa', 'versicolor', 'virginica']);
    expect(d.featureNames).toEqual(['sepal', 'petal']);
    expect(Array.from(d.labels)).toEqual([0, 1, 2, 0]);
    expect(Array.from(d.x)).toEqual([5.1, 1.4, 6.2, 4.5, 5.9, 5.1, 4.9, 1.5].map(Math.fround));
  });

  it('takes whole-number labels as class indices, with no header, any label column, quotes, other delimiters, a BOM and blank lines', () => {
    const d = parseCsvDataset('\uFEFF2;0.5;-1e-3\n\n0;"1.5";+2\n1;.25;3.\n', { label: 0 });
    expect(d.featureNames).toBeUndefined();
    expect(d.classNames).toBeUndefined();
    expect(d.classes).toBe(3);
    expect(Array.from(d.labels)).toEqual([2, 0, 1]);
    expect(Array.from(d.x)).toEqual([0.5, -1e-3, 1.5, 2, 0.25, 3].map(Math.fround));
    // classes: the largest index + 1, an index never seen included; or another set's count, at least
    expect(parseCsvDataset('1,0\n2,3\n').classes).toBe(4);
    expect(parseCsvDataset('1,0\n2,0\n', { classes: 5 }).classes).toBe(5);
    expect(parseCsvDataset('1,0\n2,7\n', { classes: 5 }).classes).toBe(8);
    // a label column by its name; a quoted name holding the delimiter
    const named = parseCsvDataset('"a,b",y,c\n1,cat,2\n3,dog,4\n', { label: 'y' });
    expect(named.featureNames).toEqual(['a,b', 'c']);
    expect(Array.from(named.x)).toEqual([1, 2, 3, 4]);
    expect(named.classNames).toEqual(['cat', 'dog']);
  });

  it('finds the header of numbered columns, reads whole-valued labels as indices, and counts rows as records, blank lines too', () => {
    // a header whose feature names are numbers (0,1,…): its label field is a word over class indices
    const numbered = parseCsvDataset('0,1,label\n0.5,0.25,1\n0.75,1,0\n');
    expect(numbered.featureNames).toEqual(['0', '1']);
    expect(Array.from(numbered.labels)).toEqual([1, 0]);
    // pandas writes 1.0: still the index 1; 03 is 3
    expect(Array.from(parseCsvDataset('1,1.0\n2,0.0\n3,03\n').labels)).toEqual([1, 0, 3]);
    // a first field of NaN or empty is bad data, not a header
    expect(refusal('NaN,0\n1,1\n').message).toBe('CSV: row 1, column 0: expected a finite number, got "NaN"');
    // records counted from 1 with the blank lines: the line number
    expect(refusal('a,y\n\n1,0\n\nx,1\n').message).toBe('CSV: row 5, column 0 ("a"): expected a finite number, got "x"');
    // a row of empty fields is not blank: refused, not dropped
    expect(refusal('a,y\n1,0\n,\n').message).toBe('CSV: row 3, column 0 ("a"): expected a finite number, got ""');
  });

  it('says when a guessed delimiter is contradicted by the fields (decimal commas), and takes a given one', () => {
    // guessed ',' in a semicolon file with decimal commas: the label would hold the rest of the row
    expect(refusal('1,5;0\n2,5;1\n3,25;0\n').message).toBe('CSV: row 1, column 1 (the label): "5;0" (the delimiter was guessed as ",", and the field holds ";": give the delimiter if that is the one; decimal commas are not read)');
    expect(refusal('1,5;2,5;0\n2,5;1,5;1\n', { delimiter: ';' }).message).toBe('CSV: row 1, column 0: expected a finite number, got "1,5" (decimal commas are not read: write 1.5, not 1,5)');
    expect(Array.from(parseCsvDataset('1|2|0\n3|4|1\n').x)).toEqual([1, 2, 3, 4]);
    expect(Array.from(parseCsvDataset('1\t2\t0\n3\t4\t1\n').x)).toEqual([1, 2, 3, 4]);
  });

  it('maps a second set\'s names to the first set\'s classes', () => {
    const train = parseCsvDataset('x,y\n1,b\n2,a\n3,c\n');
    const test = parseCsvDataset('x,y\n4,c\n5,c\n', { classNames: train.classNames });
    expect(test.classes).toBe(3);
    expect(Array.from(test.labels)).toEqual([2, 2]);
    expect(refusal('x,y\n4,d\n', { classNames: train.classNames }).message).toBe('CSV: row 2, column 1 ("y") (the label): "d" is not one of the 3 classes given ("a", "b", "c")');
  });

  it('refuses malformed data, naming the row and column, with code invalid-data', () => {
    const cases: [string, string][] = [
      ['', 'CSV: has no rows'],
      ['\n\n', 'CSV: has no rows'],
      ['1\n2\n', 'CSV: has 1 column in its first row (delimiter ","); expected features and a label'],
      ['a,b,y\n', 'CSV: has a header row and no data rows'],
      ['a,b,y\n1,2,0\n3,0\n', 'CSV: row 3 has 2 fields; the first row has 3'],
      ['a,b,y\n1,2,0\n3,x,1\n', 'CSV: row 3, column 1 ("b"): expected a finite number, got "x"'],
      ['1,2,0\n3,,1\n', 'CSV: row 2, column 1: expected a finite number, got ""'],
      ['1,NaN,0\n3,4,1\n', 'CSV: row 1, column 1: expected a finite number, got "NaN"'],
      ['1,1e39,0\n3,4,1\n', 'CSV: row 1, column 1: expected a finite number, got "1e39"'],
      ['1,2,0\n3,4,\n', 'CSV: row 2, column 2 (the label): is empty'],
      ['1,2,0\n3,4,0\n', 'CSV: has one class (0); a classifier needs at least 2'],
      ['a,y\n1,cat\n2,cat\n', 'CSV: has one class ("cat"); a classifier needs at least 2'],
      ['1,2,0\n3,4,2.5\n', 'CSV: row 2, column 2 (the label): expected a class index (a whole number >= 0) or a class name, got "2.5" among numbers'],
      ['1,2,1\n3,4,-1\n', 'CSV: row 2, column 2 (the label): expected a class index (a whole number >= 0) or a class name, got "-1" among numbers'],
      ['1,2,0\n3,4,16777216\n', 'CSV: row 2, column 2 (the label): class index 16777216 is past 2^24; labels that are numbers are class indices'],
    ];
    for (const [text, message] of cases) {
      const e = refusal(text);
      expect(e.message, JSON.stringify(text)).toBe(message);
      expect(e.code).toBe('invalid-data');
    }
    // a quote left open: Papa Parse's message, with the row
    const open = refusal('a,b,y\n1,"2,0\n3,4,1\n');
    expect(open.code).toBe('invalid-data');
    expect(open.message).toBe('CSV: row 2: Quoted field unterminated');
    // a first row of numbers and words is data, not a header
    expect(refusal('1,x,0\n3,4,1\n').message).toBe('CSV: row 1, column 1: expected a finite number, got "x"');
  });

  it('refuses bad options with code invalid-argument, before parsing', () => {
    const cases: [CsvOptions, string][] = [
      [{ label: 3 }, 'label: column 3 does not exist; CSV has 3 columns (0 to 2)'],
      [{ label: -1 }, 'label: expected a column index (an integer >= 0) or a column name, got -1'],
      [{ label: 1.5 }, 'label: expected a column index (an integer >= 0) or a column name, got 1.5'],
      [{ label: 'z' }, 'label: no column named "z" in CSV; its columns are "a", "b", "y"'],
      [{ delimiter: '' }, 'delimiter: expected one character other than a quote or a line end, got ""'],
      [{ delimiter: '"' }, 'delimiter: expected one character other than a quote or a line end, got "\\""'],
      [{ header: 'yes' as unknown as boolean }, 'header: expected true or false, got "yes"'],
      [{ classNames: ['a'] }, 'classNames: expected at least 2 distinct strings, got an array of length 1'],
      [{ classes: 1.5 }, 'classes: expected an integer from 0 to 2^24, got 1.5'],
    ];
    for (const [options, message] of cases) {
      const e = refusal('a,b,y\n1,2,0\n3,4,1\n', options);
      expect(e.message, JSON.stringify(options)).toBe(message);
      expect(e.code).toBe('invalid-argument');
    }
    // a label by name makes the first row the header: here a row of numbers, which the message shows
    expect(refusal('1,2,0\n3,4,1\n', { label: 'y' }).message).toBe('label: no column named "y" in CSV; its columns are "1", "2", "0"');
    expect(refusal('a,b,y\n1,2,0\n3,4,1\n', { label: 'y', header: false }).message).toBe('label: "y" names a column, but CSV has no header row');
    expect(refusal('a,a,y\n1,2,0\n3,4,1\n', { label: 'a' }).message).toBe('label: 2 columns of CSV are named "a" (0, 1); give the column\'s index');
  });
});

describe('loadCsvDataset', () => {
  it('reads a file, gzipped or not, and names it in its messages', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fa-csv-'));
    const plain = join(dir, 'train.csv'), zipped = join(dir, 'train.csv.gz'), broken = join(dir, 'broken.csv'), latin = join(dir, 'latin.csv');
    writeFileSync(plain, 'a,y\n1,0\n2,1\n');
    writeFileSync(zipped, gzipSync('a,y\n1,0\n2,1\n'));
    writeFileSync(broken, 'a,y\n1,0\n2\n');
    writeFileSync(latin, Buffer.from([0x61, 0x2c, 0x79, 0x0a, 0x31, 0x2c, 0xe9, 0x0a]));
    for (const path of [plain, zipped]) {
      const d = await loadCsvDataset(path);
      expect(Array.from(d.x)).toEqual([1, 2]);
      expect(Array.from(d.labels)).toEqual([0, 1]);
    }
    await expect(loadCsvDataset(broken)).rejects.toThrow(`${broken}: row 3 has 1 fields; the first row has 2`);
    await expect(loadCsvDataset(latin)).rejects.toThrow(`${latin}: is not UTF-8 text`);
    await expect(loadCsvDataset(join(dir, 'missing.csv'))).rejects.toThrow(/missing\.csv: could not be read/);
  });
});

describe('loadCsvSets', () => {
  it('pairs a training and a test file (names mapped, features checked, whole-number classes unified), or holds out a seeded fifth', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fa-csv-sets-'));
    const at = (name: string, text: string) => { writeFileSync(join(dir, name), text); return join(dir, name); };
    const named = await loadCsvSets(at('a.csv', 'x,y\n1,dog\n2,cat\n3,eel\n'), at('b.csv', 'x,y\n4,eel\n5,dog\n'));
    expect(named.train.classNames).toEqual(['cat', 'dog', 'eel']);
    expect(Array.from(named.test.labels)).toEqual([2, 1]);
    const indices = await loadCsvSets(at('c.csv', '1,0\n2,1\n'), at('d.csv', '1,3\n'));
    expect([indices.train.classes, indices.test.classes]).toEqual([4, 4]);
    await expect(loadCsvSets(at('e.csv', 'x,y\n1,dog\n2,cat\n'), at('f.csv', 'x,y\n1,cow\n'))).rejects.toThrow(`${join(dir, 'f.csv')}: row 2, column 1 ("y") (the label): "cow" is not one of the 2 classes given ("cat", "dog")`);
    await expect(loadCsvSets(at('g.csv', '1,2,0\n3,4,1\n'), at('h.csv', '1,0\n2,1\n'))).rejects.toThrow(`${join(dir, 'h.csv')}: has 1 feature columns; ${join(dir, 'g.csv')} has 2`);
    await expect(loadCsvSets(at('l.csv', '1,0\n2,1\n'), at('m.csv', 'x,y\n1,dog\n'))).rejects.toThrow(`${join(dir, 'm.csv')}: row 2, column 1 ("y") (the label): expected a class index (a whole number >= 0), as the other set's labels are, got "dog"`);
    await expect(loadCsvSets(at('n.csv', 'a,b,y\n1,2,0\n3,4,1\n'), at('o.csv', 'b,a,y\n1,2,0\n'))).rejects.toThrow(`${join(dir, 'o.csv')}: its feature columns are "b", "a"; ${join(dir, 'n.csv')}'s are "a", "b" (the same names in the same order)`);
    await expect(loadCsvSets(at('p.csv', '1,0\n2,1\n'))).rejects.toThrow(`${join(dir, 'p.csv')}: has 2 rows, too few to hold out 20% as the test set; give a test file too`);
    // a test file of one class: the training file's classes are its floor
    const one = await loadCsvSets(at('j.csv', '1,2\n2,0\n'), at('k.csv', '5,0\n6,0\n'));
    expect([one.train.classes, one.test.classes]).toEqual([3, 3]);
    const rows = Array.from({ length: 50 }, (_, i) => `${i},${i % 2}`).join('\n');
    const split = await loadCsvSets(at('i.csv', rows));
    expect([split.train.labels.length, split.test.labels.length]).toEqual([50 * (1 - CSV_TEST_FRACTION), 50 * CSV_TEST_FRACTION]);
    // every row in one of the two, once
    expect([...split.train.x, ...split.test.x].sort((p, q) => p - q)).toEqual(Array.from({ length: 50 }, (_, i) => i));
    // seeded: the same rows again
    expect(Array.from((await loadCsvSets(at('i.csv', rows))).test.x)).toEqual(Array.from(split.test.x));
  });
});

describe('confusionMatrix (the page\'s view of a table\'s test rows)', () => {
  it('counts each true class against the predicted one, its diagonal the hits of accuracy', () => {
    // 5 rows, 3 classes: logits' argmax 0, 2, 2, 1, 0 against labels 0, 2, 1, 1, 2
    const logits = [3, 1, 0, 0, 1, 5, -1, 0, 2, 0, 4, 1, 9, 8, 7];
    const labels = [0, 2, 1, 1, 2];
    expect(Array.from(confusionMatrix(logits, labels, 3))).toEqual([1, 0, 0, 0, 1, 1, 1, 0, 1]);
    const m = confusionMatrix(logits, labels, 3);
    expect((m[0] + m[4] + m[8]) / labels.length).toBe(accuracy(logits, labels, 3));
    expect(() => confusionMatrix(logits, [0, 2, 1, 3, 2], 3)).toThrow('confusionMatrix: expected labels in 0..2, got 3 at row 3');
    expect(() => confusionMatrix(logits, [0, 2, 1, 1], 3)).toThrow('confusionMatrix: expected 4 rows × 3 classes = 12 logits, got 15');
  });
});
