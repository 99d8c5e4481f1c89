// Writes by filter (updateMany, deleteOne, …) on a large collection: the matching rows are found
// first, by the same sliced column query as reads (column-scan.ts), so the write itself never
// scans the collection while holding the event loop. Inside the write, the candidates are judged
// again on the stored documents, together with every row written since the query began (by
// committed batches and by the current one), so the rows written are exactly the matches at the
// write's moment.
import type { Filter } from '../types.ts';
import { renderJson } from '../../json/render.ts';
import { deadlineOf } from './time-limit.ts';
import type { EmbeddedEngine } from './engine.ts';
import { LOST, type Reader } from './columns.ts';
import type { Hit } from './hits.ts';
import type { CollectionInfo } from './store.ts';

export class WriteTargets {
  private readonly engine: EmbeddedEngine;
  private readonly reader: Reader;
  private readonly one: boolean;
  private found: number[] = [];
  private open = true;

  private constructor(engine: EmbeddedEngine, table: string, one: boolean) {
    this.engine = engine;
    this.one = one;
    this.reader = engine.scanner.columns.openReader(table);
  }

  /** The targets of a write by filter, or undefined when the write may simply scan (small or indexed). */
  static async find(engine: EmbeddedEngine, info: CollectionInfo | undefined, filter: Filter, one: boolean): Promise<WriteTargets | undefined> {
    if (!info || !engine.scanner.largeScan(info, filter)) return undefined;
    const t = new WriteTargets(engine, info.table, one);
    try {
      const hits = await engine.scanner.query(info, filter, renderJson(filter, 'extended'), one ? { limit: 1 } : {}, deadlineOf(undefined), false);
      t.found = (hits as Hit[]).map((h) => h.rowid);
    } catch (e) {
      t.close();
      throw e;
    }
    return t;
  }

  private close(): number[] | typeof LOST {
    if (!this.open) return [];
    this.open = false;
    return this.engine.scanner.columns.closeReader(this.reader);
  }

  /**
   * Inside the write: the rows to write, in _id order; undefined when a single-row write lost its
   * candidate to a concurrent write, or when which rows were written meanwhile is unknown (LOST;
   * rare): the caller then scans.
   */
  resolve(info: CollectionInfo, filter: Filter): Hit[] | undefined {
    const since = this.close();
    if (since === LOST) return undefined;
    const hits = this.engine.scanner.recheck(info, filter, [...this.found, ...since, ...this.engine.store.batchRows(info.table)]);
    if (this.one && hits.length === 0 && this.found.length > 0) return undefined;
    return this.one ? hits.slice(0, 1) : hits;
  }

  /**
   * Inside the write: the rows a write of many documents goes through, not judged yet (bulk-rows.ts
   * judges them chunk by chunk): those the query found and every row written since it began;
   * undefined when those are unknown (LOST): the caller then scans.
   */
  candidates(info: CollectionInfo): number[] | undefined {
    const since = this.close();
    if (since === LOST) return undefined;
    return [...new Set([...this.found, ...since, ...this.engine.store.batchRows(info.table)])];
  }

  /** After the write ran (or failed before resolving). */
  done(): void {
    this.close();
  }
}
