import { open, stat, type FileHandle } from "node:fs/promises";
import { StringDecoder } from "node:string_decoder";

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
  private partial = "";
  /** Keeps a character split across two reads whole. */
  private decoder = new StringDecoder("utf8");
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
      if (this.partial !== "") await this.emit([this.partial]);
      this.partial = "";
    }
    if (!info) return;
    if (!this.handle) {
      this.handle = await open(this.init.path, "r");
      this.decoder = new StringDecoder("utf8");
      this.inode = info.ino;
      this.position = this.firstOpen && !this.init.fromStart ? info.size : 0;
      this.firstOpen = false;
    } else if (info.size < this.position || (await this.rewritten(info.size))) {
      this.position = 0;
      this.partial = "";
      this.decoder = new StringDecoder("utf8");
    }
    await this.drain();
  }

  /**
   * Truncated and written again past our position between two polls: the size alone cannot
   * tell. We stopped after a line break; if that byte is no longer one, the file was rewritten.
   */
  private async rewritten(size: number): Promise<boolean> {
    if (size <= this.position || this.position === 0 || this.partial !== "") return false;
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
      const text = this.partial + this.decoder.write(buffer.subarray(0, bytesRead));
      const lines = text.split("\n");
      this.partial = lines.pop()!.slice(0, max);
      const complete = lines.map((l) => (l.endsWith("\r") ? l.slice(0, -1) : l).slice(0, max));
      if (complete.length > 0) await this.emit(complete);
    }
  }

  private async emit(lines: string[]): Promise<void> {
    this.lines += lines.length;
    await this.onLines(lines);
  }
}
