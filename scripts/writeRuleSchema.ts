import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { shippedRulesDir } from '../engine/rules/rulesConfig.js';
import { ruleFileSchema } from '../engine/rules/ruleSchema.js';

/** Writes rules/rule.schema.json, the published schema of rule files, from the kinds in the registry. */
const path = join(shippedRulesDir(), 'rule.schema.json');
writeFileSync(path, `${JSON.stringify(ruleFileSchema(), null, 2)}\n`);
console.log(`wrote ${path}`);
