/** CSV datasets: parsing into features and labels, and every refusal naming its row and column. */
import { describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { FaWebGpuError, loadCsvDataset, parseCsvDataset, type CsvOptions } from '../../src/index.js';

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
    // classes: the largest index + 1, an index never seen included
    expect(parseCsvDataset('1,0\n2,3\n').classes).toBe(4);
    // a label column by its name; a quoted name holding the delimiter
    const named = parseCsvDataset('"a,b",y,c\n1,cat,2\n3,dog,4\n', { label: 'y' });
    expect(named.featureNames).toEqual(['a,b', 'c']);
    expect(Array.from(named.x)).toEqual([1, 2, 3, 4]);
    expect(named.classNames).toEqual(['cat', 'dog']);
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
    expect(open.message).toMatch(/^CSV: .*[Qq]uote/);
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
    ];
    for (const [options, message] of cases) {
      const e = refusal('a,b,y\n1,2,0\n3,4,1\n', options);
      expect(e.message, JSON.stringify(options)).toBe(message);
      expect(e.code).toBe('invalid-argument');
    }
    // a label by name makes the first row the header: here a row of numbers, which the message shows
    expect(refusal('1,2,0\n3,4,1\n', { label: 'y' }).message).toBe('label: no column named "y" in CSV; its columns are "1", "2", "0"');
    expect(refusal('a,b,y\n1,2,0\n3,4,1\n', { label: 'y', header: false }).message).toBe('label: "y" names a column, but CSV has no header row');
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
