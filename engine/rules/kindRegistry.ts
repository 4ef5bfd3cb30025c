import type { RuleKind } from './ruleKind.js';
import { matchKind } from './kinds/match.js';
import { unexplainedKind } from './kinds/unexplained.js';
import { WINDOWED_KINDS } from './kinds/windowedKinds.js';

/** Every rule kind, by the name rule files give in `kind:`. */
export const RULE_KINDS: ReadonlyMap<string, RuleKind> = new Map(
  [matchKind, unexplainedKind, ...WINDOWED_KINDS].map((kind) => [kind.name, kind]),
);
