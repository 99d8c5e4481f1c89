// The rows written while a walk in some order gave way (columns.follow), judged at its end. A row
// the walk had passed is taken or dropped as it is now. One further on is left to the walk, which
// meets it in its turn: taken now, it could fill the answer in place of rows between that the walk
// has not judged yet (a match taken then deleted, another written far ahead: the rows between
// were lost; index-walk.test.ts).
export function judgeWritten<H>(hits: Map<number, H>, written: number[], read: (rowid: number) => H | undefined,
  passed: (h: H) => boolean, matches: (h: H) => boolean): void {
  for (const r of new Set(written)) {
    hits.delete(r);
    const h = read(r);
    if (h && passed(h) && matches(h)) hits.set(r, h);
  }
}
