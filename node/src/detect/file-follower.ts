import { open, stat, type FileHandle } from "node:fs/promises";

export interface FileFollowerInit {
  path: string;
  /** Start at the file's beginning instead of its current end. */
  fromStart: boolean;
  pollMs?: number;
  /** Longest line kept; longer ones are cut (a log line that long is garbage anyway). */
  maxLineBytes?: number;
}

/**
 * Follows a growing log file like `tail -F`: reads what is appended, survives rotation (the
 * file renamed and a new one created: the old one is read to its end first) and truncation (read
 * again from the start), and waits when the file does not exist yet. Hands complete lines to
 * `onLines` and reads no further until it resolves, so a slow consumer slows the reading, not
 * the memory.
 */
export class FileFollower {
  private handle: FileHandle | undefined;
  private inode: number | undefined;
  private position = 0;
  /**
   * The bytes after the last line break read, kept as bytes: a read may end inside a character,
   * and only whole lines are decoded. Empty exactly when the last byte read was a line break
   * (what rewritten() relies on).
   */
  private partial: Buffer = Buffer.alloc(0);
  private timer: NodeJS.Timeout | undefined;
  private polling: Promise<void> | undefined;
  private running = false;
  private firstOpen = true;
  /** Lines read so far (for status and tests). */
  lines = 0;
  rotations = 0;

  constructor(
    readonly init: FileFollowerInit,
    private readonly onLines: (lines: string[]) => Promise<void>,
    private readonly log?: (message: string, fields?: Record<string, unknown>) => void,
  ) {}

  start(): void {
    if (this.running) return;
    this.running = true;
    this.schedule(0);
  }

  async stop(): Promise<void> {
    this.running = false;
    clearTimeout(this.timer);
    await this.polling;
    await this.handle?.close().catch(() => undefined);
    this.handle = undefined;
  }

  /** Reads everything available now; resolves when it is handed over. */
  poll(): Promise<void> {
    this.polling ??= this.readAvailable()
      .catch((err: Error) => this.log?.("could not read log file", { path: this.init.path, error: err.message }))
      .finally(() => {
        this.polling = undefined;
      });
    return this.polling;
  }

  private schedule(ms: number): void {
    if (!this.running) return;
    this.timer = setTimeout(() => void this.poll().finally(() => this.schedule(this.init.pollMs ?? 250)), ms);
  }

  private async readAvailable(): Promise<void> {
    const info = await stat(this.init.path).catch(() => undefined);
    if (this.handle && (!info || info.ino !== this.inode)) {
      // Rotated (or deleted): what was appended to the old file before it moved is still ours.
      await this.drain();
      await this.handle.close();
      this.handle = undefined;
      this.rotations++;
      if (this.partial.length > 0) await this.emit([this.decodeLine(this.partial)]);
      this.partial = Buffer.alloc(0);
    }
    if (!info) return;
    if (!this.handle) {
      this.handle = await open(this.init.path, "r");
      this.inode = info.ino;
      this.position = this.firstOpen && !this.init.fromStart ? info.size : 0;
      this.firstOpen = false;
    } else if (info.size < this.position || (await this.rewritten(info.size))) {
      this.position = 0;
      this.partial = Buffer.alloc(0);
    }
    await this.drain();
  }

  /**
   * Truncated and written again past our position between two polls: the size alone cannot
   * tell. We stopped after a line break; if that byte is no longer one, the file was rewritten.
   */
  private async rewritten(size: number): Promise<boolean> {
    if (size <= this.position || this.position === 0 || this.partial.length > 0) return false;
    const byte = Buffer.alloc(1);
    await this.handle!.read(byte, 0, 1, this.position - 1);
    return byte[0] !== 0x0a;
  }

  private async drain(): Promise<void> {
    const buffer = Buffer.alloc(64 * 1024);
    const max = this.init.maxLineBytes ?? 64 * 1024;
    for (;;) {
      const { bytesRead } = await this.handle!.read(buffer, 0, buffer.length, this.position);
      if (bytesRead === 0) return;
      this.position += bytesRead;
      const read = buffer.subarray(0, bytesRead);
      const complete: string[] = [];
      let start = 0;
      for (let end = read.indexOf(0x0a); end >= 0; end = read.indexOf(0x0a, start)) {
        const line = this.partial.length > 0 ? Buffer.concat([this.partial, read.subarray(start, end)]) : read.subarray(start, end);
        this.partial = Buffer.alloc(0);
        complete.push(this.decodeLine(line));
        start = end + 1;
      }
      // Copied: the read buffer is reused. A line longer than `max` keeps only its start.
      const rest = read.subarray(start);
      if (this.partial.length < max && rest.length > 0) this.partial = Buffer.concat([this.partial, rest.subarray(0, max - this.partial.length)]);
      if (complete.length > 0) await this.emit(complete);
    }
  }

  /** A whole line's text, without its CR (CRLF logs), at most maxLineBytes of it. */
  private decodeLine(bytes: Buffer): string {
    const max = this.init.maxLineBytes ?? 64 * 1024;
    const end = bytes.length > 0 && bytes[bytes.length - 1] === 0x0d ? bytes.length - 1 : bytes.length;
    return bytes.subarray(0, Math.min(end, max)).toString("utf8");
  }

  private async emit(lines: string[]): Promise<void> {
    this.lines += lines.length;
    await this.onLines(lines);
  }
}
