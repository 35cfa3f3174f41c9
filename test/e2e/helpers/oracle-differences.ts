// The one place where Saker's field values may differ from libs master's (the oracle: sinsp-example
// over the same capture, fixtures under test/fixtures/oracle/fields). Every entry says why — libs
// is wrong there, or Saker differs on purpose — and links the libs code that shows it. The field
// oracle test fails on a difference no entry explains, and on an entry that explains nothing.
export type Row = Readonly<Record<string, string>>;

export interface Difference {
  capture: string;
  field: string;
  /** libs' values of the event (sinsp-example), and Saker's (saker inspect). */
  libs: Row;
  saker: Row;
}

export interface NamedDifference {
  name: string;
  why: string;
  /** The libs code (falcosecurity/libs at the oracle's commit) that shows what libs does. */
  libs: string;
  fields: readonly string[];
  holds(d: Difference): boolean;
}

/** libs master as built for the oracle (see test/fixtures/oracle/meta.json). */
export const LIBS = 'https://github.com/falcosecurity/libs/blob/48dfd53cd23f';

export const NAMED_DIFFERENCES: readonly NamedDifference[] = [];
