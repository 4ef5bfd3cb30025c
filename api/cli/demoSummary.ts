/**
 * What `accesswatch demo` prints once it has posted the simulated day: throughput, the share of
 * accesses explained, alerts by rule with a few explanations, the reportable incident and its
 * ICO deadline, then where the server is, the tokens, and a few requests to try.
 */
import type { DemoRun } from './demo.js';
import { isBreachPattern } from './demoFindings.js';

const n = (value: number): string => value.toLocaleString('en-GB');

/** The demo's summary for the terminal: simulated data only, never logged. */
export function formatDemoSummary(run: DemoRun): string {
  return [
    ...postedLines(run), '',
    ...alertLines(run), '',
    ...incidentLines(run), '',
    ...whereToLook(run),
  ].join('\n');
}

function postedLines(run: DemoRun): string[] {
  const { posted, explained, manifest } = run;
  const rate = posted.eventSeconds > 0 ? Math.round(posted.events / posted.eventSeconds) : posted.events;
  const systems = manifest.sources.length - 1;
  return [
    `Simulated the ${manifest.size} ICS (seed ${manifest.seed}): ${manifest.organisations.length} organisations, one day from ${manifest.start} to ${manifest.end}.`,
    `Posted ${n(posted.references)} reference records and ${n(posted.events)} access events from ${systems} systems, each in its own format, ` +
      `in batches of 1,000: ${n(rate)} events/s (${posted.eventSeconds.toFixed(1)} s)${posted.rejected > 0 ? `; ${n(posted.rejected)} rejected` : ''}.`,
    `Explained by a care relationship: ${n(explained.explained)} of ${n(explained.total)} accesses (${(explained.rate * 100).toFixed(1)}%).`,
  ];
}

function alertLines(run: DemoRun): string[] {
  const { caught } = run;
  const lines = [
    `Injected misuse caught: ${caught.caught} of ${caught.injected} scenarios, breach patterns ${caught.breachPatternsCaught} of ${caught.breachPatternsInjected} ` +
      `(${run.manifest.skipped.length} more need more days or a larger size: skipped in manifest.json).`,
    `Alerts: ${n(run.alerts)} from ${run.rules.length} rules (breach patterns marked *):`,
  ];
  for (const rule of run.rules) {
    lines.push(`  ${isBreachPattern(rule.ruleId) ? '*' : ' '} ${rule.ruleId} ${rule.title}: ${n(rule.count)}`);
    for (const example of rule.examples) lines.push(`        - ${example}`);
  }
  return lines;
}

function incidentLines(run: DemoRun): string[] {
  const { incident } = run;
  if (!incident) return ['No alert to escalate, so no incident was opened.'];
  const verdict = incident.reportableToIco ? 'REPORTABLE to the ICO' : 'not reportable to the ICO';
  return [
    `Incident ${incident.id}: confirmed alert ${incident.alert.id} (${incident.alert.ruleId}, ${incident.alert.severity}) of ${incident.alert.organisation},`,
    `  assessed likelihood 4 (highly likely), severity 3 (adverse): ${verdict}. ${incident.reportableReason}`,
    `  ICO deadline ${incident.icoDeadline} (${incident.hoursLeft.toFixed(1)} hours left).`,
  ];
}

function whereToLook(run: DemoRun): string[] {
  const url = run.server.url;
  return [
    `accesswatch is running at ${url} (data in ${run.folder.dir}). Tokens, shown only now:`,
    `  IG officer:         ${run.people.igOfficer}`,
    `  Caldicott guardian: ${run.people.guardian}`,
    `Open ${url}/ in a browser and sign in with one of them: the alert queue, incidents and the Caldicott report.`,
    'Or from a shell:',
    `  export ACCESSWATCH_TOKEN=${run.people.igOfficer}`,
    `  curl -s -H "Authorization: Bearer $ACCESSWATCH_TOKEN" '${url}/v1/alerts?limit=5'`,
    `  curl -s -H "Authorization: Bearer $ACCESSWATCH_TOKEN" '${url}/v1/incidents'`,
    `  curl -s -H "Authorization: Bearer ${run.people.guardian}" '${url}/v1/reports/caldicott' -H 'Accept: application/pdf' -o caldicott.pdf`,
    `  accesswatch backtest AW-BP-001 --url ${url} --from ${run.manifest.start} --to ${run.manifest.end}`,
    'Press Ctrl-C to stop the server.',
  ];
}
