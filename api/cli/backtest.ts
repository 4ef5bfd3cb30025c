import type { BacktestResult } from '../../engine/rules/backtest.js';
import { postAsAdmin } from './adminClient.js';

/** `accesswatch backtest`: asks the server to run a rule over stored events and prints what it would raise. */
export interface BacktestOptions {
  url: string;
  /** A person's token (IG officer or Caldicott guardian). */
  token: string;
  ruleId: string;
  from: string;
  to: string;
  organisation?: string;
}

export async function runBacktest(options: BacktestOptions): Promise<BacktestResult> {
  const body = { from: options.from, to: options.to, ...(options.organisation ? { organisation: options.organisation } : {}) };
  return await postAsAdmin(options.url, options.token, `/v1/rules/${encodeURIComponent(options.ruleId)}/backtest`, body) as BacktestResult;
}

/** The result in lines a person reads: a summary, then one line per alert it would raise. */
export function formatBacktest(result: BacktestResult): string {
  const lines = [
    `${result.ruleId} from ${result.from} to ${result.to}: ${result.eventsScanned.toLocaleString('en-GB')} events read${result.truncated ? ' (stopped at the limit: shorten the period)' : ''}; `
      + `would raise ${result.alerts.length} alert${result.alerts.length === 1 ? '' : 's'}. Nothing was recorded.`,
  ];
  for (const alert of result.alerts) {
    const who = [alert.organisation, alert.userId && `user ${alert.userId}`, alert.team && `team ${alert.team} (${(alert.users ?? []).join(', ')})`, alert.nhsNumber && `patient ${alert.nhsNumber}`, alert.system && `system ${alert.system}`].filter(Boolean).join(', ');
    lines.push(`  ${alert.severity.padEnd(8)} ${who}: ${alert.eventCount} event${alert.eventCount === 1 ? '' : 's'}, ${alert.firstSeenAt} to ${alert.lastSeenAt}. ${alert.explanation.text}`);
  }
  return lines.join('\n');
}
