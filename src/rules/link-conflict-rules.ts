import type { ConflictRules } from '../pipeline/target-applier.js';
import type { TableRoute } from '../pipeline/table-router.js';
import type { MergeFunctionRunner } from './conflict-resolver.js';
import { rulesFor, type RuleSet, type TableRules } from './rule-set.js';

/**
 * The conflict rules as one link's apply stage reads them: whatever rule set is in force when a batch
 * starts (`current` is called per table and batch, so a reload takes effect at the next batch), looked
 * up by the table's name as the configuration lists it (the source name, then the target's).
 */
export class LinkConflictRules implements ConflictRules {
  constructor(
    readonly incomingSide: string,
    private readonly current: () => RuleSet,
    readonly runFunction: MergeFunctionRunner,
    private readonly candidate?: {
      readonly current: () => RuleSet;
      readonly runFunction: MergeFunctionRunner;
    },
  ) {}

  /** The candidate (`--shadow`) rules of a table and their merge functions, when shadow rules run. */
  shadowFor(route: TableRoute): { rules: TableRules; runFunction: MergeFunctionRunner } | undefined {
    if (!this.candidate) return undefined;
    return { rules: lookUp(this.candidate.current(), route), runFunction: this.candidate.runFunction };
  }

  /** The rule set in force now. */
  ruleSet(): RuleSet {
    return this.current();
  }

  forTable(route: TableRoute): TableRules {
    return lookUp(this.current(), route);
  }
}

function lookUp(set: RuleSet, route: TableRoute): TableRules {
  const dot = route.source.indexOf('.');
  const source = dot < 0 ? route.source : route.source.slice(dot + 1);
  return set.tables.get(source) ?? rulesFor(set, route.target.name);
}
