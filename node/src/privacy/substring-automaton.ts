/**
 * Every substring warning list in one Aho-Corasick automaton, so that a value is read once for all
 * of them, character by character, whatever the number of entries.
 *
 * Written here rather than taken from a library: with `modern-ahocorasick` (one automaton per
 * list, its transitions in Maps) a domain cost two scans of about 1.3 µs each, the larger part of
 * checking it against every bundled list (about 240,000 domains/s on one core against a goal of
 * 1,000,000; node/bench/match.bench.ts). Here the transitions are typed arrays: a state with two
 * or more children has a dense row of resolved transitions (a DFA row), a state with one child
 * (most of a trie of domain names: long unbranching chains) keeps that child and falls back along
 * its failure link, which ends at a dense state, the root at the latest.
 */
export class SubstringAutomaton<Id = number> {
  /** Symbol of each UTF-16 code unit that occurs in a pattern; 0 for every other. */
  private readonly symbolOf = new Map<number, number>();
  private readonly asciiSymbol = new Uint16Array(128);
  private readonly symbols: number;
  private readonly fail: Int32Array;
  /** Row of a state in `table` (times `symbols`), or -1 for a state with at most one child. */
  private readonly row: Int32Array;
  private readonly table: Int32Array;
  private readonly onlySymbol: Int32Array;
  private readonly onlyChild: Int32Array;
  /** What each state matches (its own pattern and those of its failure chain): [from, to) in `outputs`. */
  private readonly outputFrom: Int32Array;
  private readonly outputTo: Int32Array;
  private readonly outputs: Array<{ id: Id; pattern: string }>;

  constructor(patterns: ReadonlyArray<{ id: Id; pattern: string }>) {
    for (const { pattern } of patterns) {
      for (let i = 0; i < pattern.length; i++) {
        const code = pattern.charCodeAt(i);
        if (!this.symbolOf.has(code)) this.symbolOf.set(code, this.symbolOf.size + 1);
      }
    }
    for (const [code, symbol] of this.symbolOf) if (code < 128) this.asciiSymbol[code] = symbol;
    const symbols = (this.symbols = this.symbolOf.size + 1);

    // The trie, with Maps while it is built.
    const children: Array<Map<number, number>> = [new Map()];
    const own: Array<Array<{ id: Id; pattern: string }> | undefined> = [undefined];
    for (const entry of patterns) {
      if (entry.pattern === "") continue;
      let state = 0;
      for (let i = 0; i < entry.pattern.length; i++) {
        const symbol = this.symbolOf.get(entry.pattern.charCodeAt(i))!;
        let next = children[state]!.get(symbol);
        if (next === undefined) {
          next = children.length;
          children.push(new Map());
          own.push(undefined);
          children[state]!.set(symbol, next);
        }
        state = next;
      }
      (own[state] ??= []).push(entry);
    }

    const count = children.length;
    this.fail = new Int32Array(count);
    this.row = new Int32Array(count).fill(-1);
    this.onlySymbol = new Int32Array(count).fill(-1);
    this.onlyChild = new Int32Array(count);
    this.outputFrom = new Int32Array(count);
    this.outputTo = new Int32Array(count);
    let rows = 0;
    for (let s = 0; s < count; s++) if (s === 0 || children[s]!.size >= 2) this.row[s] = rows++;
    this.table = new Int32Array(rows * symbols);
    this.outputs = [];

    // Breadth first: a state's failure link is shallower, so it is complete when the state is reached.
    const order: number[] = [0];
    const matches: Array<Array<{ id: Id; pattern: string }>> = [own[0] ?? []];
    for (let k = 0; k < order.length; k++) {
      const state = order[k]!;
      const kids = children[state]!;
      if (state !== 0) {
        const inherited = matches[this.fail[state]!]!;
        const mine = own[state] ?? [];
        matches[state] = mine.length === 0 ? inherited : [...mine, ...inherited.filter((m) => !mine.some((o) => o.id === m.id))];
      }
      if (this.row[state]! >= 0) {
        const base = this.row[state]! * symbols;
        for (let symbol = 0; symbol < symbols; symbol++) {
          const child = kids.get(symbol);
          this.table[base + symbol] = child ?? (state === 0 ? 0 : this.step(this.fail[state]!, symbol));
        }
      } else if (kids.size === 1) {
        const [symbol, child] = kids.entries().next().value!;
        this.onlySymbol[state] = symbol;
        this.onlyChild[state] = child;
      }
      for (const [symbol, child] of kids) {
        this.fail[child] = state === 0 ? 0 : this.step(this.fail[state]!, symbol);
        order.push(child);
      }
    }
    for (let s = 0; s < count; s++) {
      this.outputFrom[s] = this.outputs.length;
      for (const m of matches[s] ?? []) this.outputs.push(m);
      this.outputTo[s] = this.outputs.length;
    }
  }

  /** How many states the automaton has. */
  get states(): number {
    return this.fail.length;
  }

  private step(state: number, symbol: number): number {
    for (let s = state; ; s = this.fail[s]!) {
      const row = this.row[s]!;
      if (row >= 0) return this.table[row * this.symbols + symbol]!;
      if (this.onlySymbol[s] === symbol) return this.onlyChild[s]!;
    }
  }

  /** Calls `found` for every place a pattern ends in `text` (`end`: the index after its last character). */
  scan(text: string, found: (id: Id, pattern: string, end: number) => void): void {
    // Fields in locals and the step written out: this loop runs once per character of every value
    // a node publishes (node/bench/match.bench.ts).
    const { asciiSymbol, row, table, symbols, onlySymbol, onlyChild, fail, outputFrom, outputTo } = this;
    let state = 0;
    for (let i = 0; i < text.length; i++) {
      const code = text.charCodeAt(i);
      const symbol = code < 128 ? asciiSymbol[code]! : (this.symbolOf.get(code) ?? 0);
      for (;;) {
        const r = row[state]!;
        if (r >= 0) {
          state = table[r * symbols + symbol]!;
          break;
        }
        if (onlySymbol[state] === symbol) {
          state = onlyChild[state]!;
          break;
        }
        state = fail[state]!;
      }
      const from = outputFrom[state]!;
      const to = outputTo[state]!;
      for (let k = from; k < to; k++) found(this.outputs[k]!.id, this.outputs[k]!.pattern, i + 1);
    }
  }
}
