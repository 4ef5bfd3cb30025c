import type { RuleKind } from '../ruleKind.js';
import { cardinalityKind } from './cardinality.js';
import { flatlineKind } from './flatline.js';
import { newTermKind } from './newTerm.js';
import { sequenceKind } from './sequence.js';
import { spikeKind } from './spike.js';
import { thresholdKind } from './threshold.js';

/** The rule kinds that keep state across batches (breach patterns over windows), for the kind registry. */
export const WINDOWED_KINDS: RuleKind[] = [thresholdKind, cardinalityKind, spikeKind, sequenceKind, newTermKind, flatlineKind];
