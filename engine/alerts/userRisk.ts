import { concernsUser, type Alert } from './alert.js';
import { isOpenStatus } from './triage.js';

/**
 * A user's risk across alerts: each open alert and each recent signal is a piece of evidence
 * with its own score (0–100); they combine as independent chances, so risk rises with every
 * finding, never passes 100, and one critical alert outweighs many signals. A team's alert about
 * one patient counts for each user it names.
 */
export interface UserRisk {
  userId: string;
  /** 0–100. */
  score: number;
  level: 'none' | 'low' | 'medium' | 'high' | 'critical';
  openAlerts: number;
  signals: number;
  /** What the score is made of, by rule, highest first. */
  byRule: { ruleId: string; title: string; raises: 'alert' | 'signal'; count: number; score: number }[];
}

/** Signals older than this no longer count towards risk. */
export const SIGNAL_DAYS = 30;

export function riskLevel(score: number): UserRisk['level'] {
  if (score === 0) return 'none';
  if (score < 30) return 'low';
  if (score < 60) return 'medium';
  if (score < 85) return 'high';
  return 'critical';
}

/** Combines a user's open alerts and their signals of the last SIGNAL_DAYS (at `now`) into one risk. */
export function userRisk(userId: string, alerts: readonly Alert[], now: number): UserRisk {
  const since = new Date(now - SIGNAL_DAYS * 86_400_000).toISOString();
  const counted = alerts.filter((alert) => concernsUser(alert, userId) && isOpenStatus(alert.status)
    && (alert.raises === 'alert' || alert.lastSeenAt >= since));
  let remaining = 1;
  const byRule = new Map<string, UserRisk['byRule'][number]>();
  for (const alert of counted) {
    remaining *= 1 - alert.score / 100;
    const entry = byRule.get(alert.ruleId) ?? { ruleId: alert.ruleId, title: alert.title, raises: alert.raises, count: 0, score: 0 };
    entry.count++;
    entry.score = Math.max(entry.score, alert.score);
    byRule.set(alert.ruleId, entry);
  }
  const score = Math.round(100 * (1 - remaining));
  return {
    userId,
    score,
    level: riskLevel(score),
    openAlerts: counted.filter((alert) => alert.raises === 'alert').length,
    signals: counted.filter((alert) => alert.raises === 'signal').length,
    byRule: [...byRule.values()].sort((a, b) => b.score - a.score || a.ruleId.localeCompare(b.ruleId)),
  };
}
