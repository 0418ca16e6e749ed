/**
 * An incremental JSON reader: the caller walks objects and arrays key by key
 * and element by element, and materialises only the values it asks for
 * (`value()`), each bounded in size. Text arrives in chunks; memory holds the
 * current value and one chunk, not the document.
 */

export class JsonSyntaxError extends Error {
  override readonly name = "JsonSyntaxError";
  constructor(
    reason: string,
    readonly position: number,
  ) {
    super(`invalid JSON at character ${position}: ${reason}`);
  }
}

const WS = new Set([0x20, 0x0a, 0x0d, 0x09]);

export interface JsonReaderOptions {
  /** Most characters of one value materialised by `value()` (default 256 Mi). */
  readonly maxValueLength?: number;
}

export class JsonReader {
  private buf = "";
  private pos = 0;
  /** Characters dropped from the front of `buf`. */
  private base = 0;
  private done = false;
  private readonly it: AsyncIterator<Uint8Array | string>;
  private readonly decoder = new TextDecoder("utf-8", { fatal: true });
  /** Per open object or array: whether its first member is still to come. */
  private readonly first: boolean[] = [];
  private readonly maxValue: number;

  constructor(source: AsyncIterable<Uint8Array | string>, options: JsonReaderOptions = {}) {
    this.it = source[Symbol.asyncIterator]();
    this.maxValue = options.maxValueLength ?? 256 * 1024 * 1024;
  }

  /** Position (in characters) of the next unread character. */
  get position(): number {
    return this.base + this.pos;
  }

  fail(reason: string, at = this.position): never {
    throw new JsonSyntaxError(reason, at);
  }

  /**
   * Appends the next chunk to the buffer, or as many chunks as make at least
   * `min` characters: a value that spans many chunks is then re-buffered a
   * logarithmic number of times, not once per chunk (which was quadratic).
   */
  private async fill(min = 0): Promise<boolean> {
    if (this.done) return false;
    const texts: string[] = [];
    let got = 0;
    let any = false;
    do {
      const r = await this.it.next();
      let text: string;
      try {
        if (r.done) {
          this.done = true;
          text = this.decoder.decode();
        } else {
          text = typeof r.value === "string" ? r.value : this.decoder.decode(r.value, { stream: true });
        }
      } catch {
        this.fail("the text is not UTF-8", this.base + this.buf.length + got);
      }
      if (!r.done || text.length > 0) any = true;
      texts.push(text);
      got += text.length;
    } while (!this.done && got < min);
    this.base += this.pos;
    this.buf = this.buf.slice(this.pos) + (texts.length === 1 ? texts[0]! : texts.join(""));
    this.pos = 0;
    return any;
  }

  /** The next non-blank character, not consumed; undefined at the end of the text. */
  async peek(): Promise<string | undefined> {
    for (;;) {
      const b = this.buf;
      let p = this.pos;
      while (p < b.length && WS.has(b.charCodeAt(p))) p++;
      this.pos = p;
      if (p < b.length) return b[p];
      if (!(await this.fill())) return undefined;
    }
  }

  private async expect(ch: string, what: string): Promise<void> {
    const c = await this.peek();
    if (c !== ch) this.fail(c === undefined ? `the text ends where ${what} was expected` : `expected ${what}, found ${JSON.stringify(c)}`);
    this.pos++;
  }

  async beginObject(): Promise<void> {
    await this.expect("{", "an object");
    this.first.push(true);
  }

  /** The next key of the open object, or undefined at its end. */
  async key(): Promise<string | undefined> {
    const c = await this.peek();
    if (c === "}") {
      this.pos++;
      this.first.pop();
      return undefined;
    }
    if (!this.first[this.first.length - 1]) await this.expect(",", "',' or '}'");
    this.first[this.first.length - 1] = false;
    if ((await this.peek()) !== '"') this.fail("expected a key (a string)");
    const k = (await this.value()) as string;
    await this.expect(":", "':'");
    return k;
  }

  async beginArray(): Promise<void> {
    await this.expect("[", "an array");
    this.first.push(true);
  }

  /** True when the open array has another element (positioned at it), false at its end. */
  async more(): Promise<boolean> {
    const c = await this.peek();
    if (c === "]") {
      this.pos++;
      this.first.pop();
      return false;
    }
    if (!this.first[this.first.length - 1]) await this.expect(",", "',' or ']'");
    this.first[this.first.length - 1] = false;
    return true;
  }

  /** The next value, whole. */
  async value(): Promise<unknown> {
    const c = await this.peek();
    if (c === undefined) this.fail("the text ends where a value was expected");
    let start = this.pos;
    let p = start;
    let depth = 0;
    let inString = false;
    for (;;) {
      const b = this.buf;
      let end = -1;
      while (p < b.length) {
        if (inString) {
          const q = b.indexOf('"', p);
          if (q < 0) {
            p = b.length;
            break;
          }
          let k = q - 1;
          while (b.charCodeAt(k) === 0x5c) k--;
          p = q + 1;
          if ((q - 1 - k) % 2 === 0) {
            inString = false;
            if (depth === 0) {
              end = p;
              break;
            }
          }
          continue;
        }
        const ch = b.charCodeAt(p);
        if (ch === 0x22) {
          inString = true;
          p++;
        } else if (ch === 0x7b || ch === 0x5b) {
          depth++;
          p++;
        } else if (ch === 0x7d || ch === 0x5d) {
          if (depth === 0) {
            end = p;
            break;
          }
          depth--;
          p++;
          if (depth === 0) {
            end = p;
            break;
          }
        } else if (depth === 0 && (ch === 0x2c || WS.has(ch))) {
          end = p;
          break;
        } else {
          p++;
        }
      }
      if (end >= 0) {
        const textOf = b.slice(start, end);
        this.pos = end;
        try {
          return JSON.parse(textOf) as unknown;
        } catch (e) {
          this.fail((e as Error).message.replace(/^.*?JSON[^:]*: ?/, "") || "not a JSON value", this.base + start);
        }
      }
      if (p - start > this.maxValue) this.fail(`a value longer than ${this.maxValue} characters`, this.base + start);
      // Keep the value's start in the buffer across the refill: it moves to 0.
      const offset = p - start;
      this.pos = start;
      if (!(await this.fill(offset))) {
        if (depth === 0 && !inString) {
          const textOf = this.buf.slice(this.pos);
          const at = this.base + this.pos;
          this.pos = this.buf.length;
          try {
            return JSON.parse(textOf) as unknown;
          } catch (e) {
            this.fail((e as Error).message, at);
          }
        }
        this.fail("the text ends inside a value");
      }
      start = this.pos;
      p = start + offset;
    }
  }

  /** Lets go of the source (closing a file it reads). */
  async close(): Promise<void> {
    await this.it.return?.();
  }

  /** Fails unless only blanks remain. */
  async end(): Promise<void> {
    const c = await this.peek();
    if (c !== undefined) this.fail(`unexpected ${JSON.stringify(c)} after the document`);
  }
}
