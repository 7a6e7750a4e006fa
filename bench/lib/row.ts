// What each benchmark row is: an id for `npm run bench -- <id>`, and a function that measures
// and returns a markdown section plus the raw figures.

export interface RowOptions {
  /** Shorter runs (fewer rounds, shorter windows): for a quick look, not for RESULTS.md. */
  quick: boolean;
  /** Progress lines (stderr). */
  log: (line: string) => void;
}

export interface RowResult {
  markdown: string;
  data: unknown;
}

export interface Row {
  id: string;
  title: string;
  /** Rough duration of a full (not quick) run, for the README. */
  estimate: string;
  run(o: RowOptions): Promise<RowResult>;
}
