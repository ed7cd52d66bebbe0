import { DbtwinError } from '../core/dbtwin-error.js';
import { ErrorCode } from '../core/error-codes.js';
import type { LinkConfig, SideConfig } from '../config/dbtwin-config.js';
import type { ColumnInfo, Introspector, TableInfo } from '../engines/dialect.js';

/** Where a source table's changes go: the target table from the catalog and its columns by source name. */
export interface TableRoute {
  readonly source: string;
  readonly target: TableInfo;
  /**
   * The source table as the source side's catalog describes it, when the link can read that catalog
   * (it needs it to fingerprint incoming changes for echo suppression, design §3.2).
   */
  readonly sourceInfo?: TableInfo;
  /** Target column for a source column name, or undefined when the target has none. */
  column(sourceName: string): ColumnInfo | undefined;
}

/**
 * Maps source tables to target tables for one link. Every target identifier comes from the target's
 * catalog (the introspector), never from an event: an event can only select among catalog names.
 * Target names are matched as the target engine folds unquoted names (the introspector's job), and
 * columns by exact name first, then case-insensitively (MySQL `id` ↔ Oracle `ID`).
 */
export class TableRouter {
  private readonly routes = new Map<string, Promise<TableRoute>>();

  constructor(
    private readonly link: LinkConfig,
    private readonly from: SideConfig,
    private readonly to: SideConfig,
    private readonly introspector: Introspector,
    /** The source side's catalog; without it routes carry no `sourceInfo`. */
    private readonly sourceIntrospector?: Introspector,
  ) {}

  /**
   * The route of a source table named as events name it (`schema.table`). Throws TableNotMapped for a
   * table the link does not carry and TargetTableUnusable when the target table is missing or keyless.
   */
  async route(sourceTable: string): Promise<TableRoute> {
    let route = this.routes.get(sourceTable);
    if (!route) {
      route = this.resolve(sourceTable);
      this.routes.set(sourceTable, route);
      // A failed look-up (target not created yet) is tried again on the next change.
      route.catch(() => this.routes.delete(sourceTable));
    }
    return route;
  }

  /** Forgets what the catalog said (after a schema change on the target). */
  invalidate(): void {
    this.routes.clear();
  }

  private async resolve(sourceTable: string): Promise<TableRoute> {
    const dot = sourceTable.indexOf('.');
    const schema = dot < 0 ? '' : sourceTable.slice(0, dot);
    const name = dot < 0 ? sourceTable : sourceTable.slice(dot + 1);
    const targetName = schema === this.from.schema ? this.link.tables[name] : undefined;
    if (targetName === undefined) {
      throw new DbtwinError(
        ErrorCode.TableNotMapped,
        `link ${this.link.name}: no mapping for source table ${sourceTable}`,
        {
          hint: `add ${name} to sides.${this.from.name}.tables (and to the link's tables if its name differs on ${this.to.name}), or leave it out of the connector's table.include.list`,
        },
      );
    }
    const target = await this.introspector.table(this.to.schema, targetName);
    if (!target) {
      throw new DbtwinError(
        ErrorCode.TargetTableUnusable,
        `link ${this.link.name}: target table ${this.to.schema}.${targetName} does not exist on ${this.to.name}`,
        {
          hint: 'create it (dbtwin schema translate --apply), then replay the dead letters',
        },
      );
    }
    if (target.primaryKey.length === 0) {
      throw new DbtwinError(
        ErrorCode.TargetTableUnusable,
        `link ${this.link.name}: target table ${this.to.schema}.${targetName} has no primary key`,
        {
          hint: 'changes are applied by primary key; add one to the target table',
        },
      );
    }
    const exact = new Map(target.columns.map((c) => [c.name, c]));
    const folded = new Map<string, ColumnInfo | null>();
    for (const c of target.columns) {
      const k = c.name.toLowerCase();
      // Two target columns differing only in case: folding is ambiguous, so only exact names match.
      folded.set(k, folded.has(k) ? null : c);
    }
    const sourceInfo = await this.sourceIntrospector?.table(this.from.schema, name);
    const renames = this.link.columns[name];
    return {
      source: sourceTable,
      target,
      ...(sourceInfo ? { sourceInfo } : {}),
      column: (sourceName) => {
        // A rename from the link's mapping file names the target column exactly (from the catalog).
        const renamed = renames?.[sourceName];
        if (renamed !== undefined)
          return exact.get(renamed) ?? folded.get(renamed.toLowerCase()) ?? undefined;
        return exact.get(sourceName) ?? folded.get(sourceName.toLowerCase()) ?? undefined;
      },
    };
  }
}
