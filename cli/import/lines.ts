// Splits streamed text into lines (LF or CRLF) with their 1-based line numbers: the reader of
// NDJSON files, one JSON value per line. Blank lines are skipped but still counted.

export interface TextLine {
  line: number;
  text: string;
}

export class LineSplitter {
  private rest = "";
  private line = 0;
  private started = false;

  push(chunk: string): TextLine[] {
    let text = chunk;
    if (!this.started) {
      this.started = true;
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    }
    const out: TextLine[] = [];
    let from = 0;
    for (let nl = text.indexOf("\n"); nl !== -1; nl = text.indexOf("\n", from)) {
      this.emit(this.rest + text.slice(from, nl), out);
      this.rest = "";
      from = nl + 1;
    }
    this.rest += text.slice(from);
    return out;
  }

  end(): TextLine[] {
    const out: TextLine[] = [];
    if (this.rest !== "") this.emit(this.rest, out);
    this.rest = "";
    return out;
  }

  private emit(raw: string, out: TextLine[]): void {
    this.line++;
    const text = raw.endsWith("\r") ? raw.slice(0, -1) : raw;
    if (text.trim() !== "") out.push({ line: this.line, text });
  }
}
