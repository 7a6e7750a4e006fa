// A JSON result with one long list, written as it is read.

/**
 * Writes `{ ...head, [member]: [items] }` exactly as `JSON.stringify(value, null, 2)` would (and as
 * --json prints results), one item at a time, so the list never has to be one string.
 */
export class JsonListWriter {
  private count = 0;
  private readonly opened: Promise<void>;

  constructor(
    private readonly write: (text: string) => Promise<void>,
    head: Record<string, unknown>,
    member: string,
  ) {
    const text = JSON.stringify(head, null, 2);
    // `{\n  "a": 1\n}` -> `{\n  "a": 1,\n  "<member>": [`; `{}` -> `{\n  "<member>": [`.
    const open = text === '{}' ? '{\n' : `${text.slice(0, -2)},\n`;
    this.opened = write(`${open}  ${JSON.stringify(member)}: [`);
  }

  async items(list: unknown[]): Promise<void> {
    await this.opened;
    if (list.length === 0) return;
    let text = '';
    for (const item of list) {
      text += `${this.count++ === 0 ? '\n' : ',\n'}    ${JSON.stringify(item, null, 2).replace(/\n/g, '\n    ')}`;
    }
    await this.write(text);
  }

  async end(): Promise<void> {
    await this.opened;
    await this.write(this.count === 0 ? ']\n}\n' : '\n  ]\n}\n');
  }
}
