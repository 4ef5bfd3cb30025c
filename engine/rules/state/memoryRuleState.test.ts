import { MemoryRuleState } from './memoryRuleState.js';
import { ruleStateContract } from './ruleStateContract.js';

ruleStateContract('memory', async (now) => ({ store: new MemoryRuleState(now), cleanup: async () => undefined }), {
  clock: 'given',
  durable: false,
});
