/** The library's version: package.json's (test/node/package.test.ts keeps the two the same). */
export const VERSION = '0.1.0';
