// "No submission is in a state its events do not explain": replays each submission's timeline
// (submission_events, oldest first) and compares the outcome with the row. Read straight from the
// database, outside the service.
import { Client } from 'pg';
import {
  STATUS_RANK,
  SubmissionStatus,
  TERMINAL_STATUSES,
} from '../../../src/submissions/submission-status.js';

interface Row {
  id: string;
  status: SubmissionStatus;
  result: string | null;
  initiated_at: Date | null;
  completed_at: Date | null;
}

interface Ev {
  submission_id: string;
  id: string;
  type: string;
  source: string;
  from_status: string | null;
  to_status: string | null;
  status: string | null;
  result: string | null;
  duplicate: boolean;
  stale: boolean;
  conflict: boolean;
}

export interface TimelineReport {
  checked: number;
  problems: string[];
  byStatus: Record<string, number>;
  /** Which source's observation moved each COMPLETED submission to COMPLETED. */
  completedBy: Record<string, number>;
  /** STATUS_CHANGED events with the same target status twice for one submission. */
  doubleTransitions: number;
  events: number;
}

const OBSERVATIONS = new Set(['CALLBACK', 'POLL', 'INITIATION_FAILED', 'EXPIRED', 'INITIATION_REQUESTED']);

export async function explainAll(c: Client, ids?: string[]): Promise<TimelineReport> {
  const rows = (
    await c.query<Row>(
      `SELECT id, status, result, initiated_at, completed_at FROM submissions ${ids ? 'WHERE id = ANY($1)' : ''}`,
      ids ? [ids] : [],
    )
  ).rows;
  const evs = (
    await c.query<Ev>(
      `SELECT submission_id, id, type, source, from_status, to_status, status, result, duplicate, stale, conflict
       FROM submission_events ${ids ? 'WHERE submission_id = ANY($1)' : ''} ORDER BY submission_id, id`,
      ids ? [ids] : [],
    )
  ).rows;
  const bySub = new Map<string, Ev[]>();
  for (const e of evs) {
    const list = bySub.get(e.submission_id) ?? [];
    list.push(e);
    bySub.set(e.submission_id, list);
  }
  const report: TimelineReport = {
    checked: rows.length,
    problems: [],
    byStatus: {},
    completedBy: {},
    doubleTransitions: 0,
    events: evs.length,
  };
  for (const row of rows) {
    report.byStatus[row.status] = (report.byStatus[row.status] ?? 0) + 1;
    const p = explainOne(row, bySub.get(row.id) ?? [], report);
    for (const msg of p) report.problems.push(`${row.id}: ${msg}`);
  }
  return report;
}

function explainOne(row: Row, events: Ev[], report: TimelineReport): string[] {
  const problems: string[] = [];
  if (events.length === 0 || events[0].type !== 'INITIATION_REQUESTED') {
    problems.push(`timeline does not start with INITIATION_REQUESTED (${events[0]?.type ?? 'no events'})`);
  }
  let status: SubmissionStatus = 'INITIATED';
  let result: string | null = null;
  const seenTargets = new Set<string>();
  let initiated = false;
  for (let i = 0; i < events.length; i++) {
    const e = events[i];
    if (e.type === 'INITIATED') initiated = true;
    if (e.type === 'STATUS_CHANGED') {
      const to = e.to_status as SubmissionStatus;
      const prev = events[i - 1];
      if (e.from_status !== status)
        problems.push(`STATUS_CHANGED from ${e.from_status} while the timeline was at ${status}`);
      if (TERMINAL_STATUSES.has(status))
        problems.push(`STATUS_CHANGED ${status} → ${to} out of a terminal status`);
      if (!(STATUS_RANK[to] > STATUS_RANK[status]))
        problems.push(`STATUS_CHANGED ${status} → ${to} is not forward`);
      if (seenTargets.has(to)) {
        problems.push(`two STATUS_CHANGED to ${to}`);
        report.doubleTransitions++;
      }
      seenTargets.add(to);
      if (
        !prev ||
        !OBSERVATIONS.has(prev.type) ||
        (prev.status ?? prev.to_status) !== to ||
        prev.duplicate ||
        prev.stale ||
        prev.conflict
      ) {
        problems.push(`STATUS_CHANGED to ${to} without an applied observation of it just before`);
      }
      status = to;
      if (to === 'COMPLETED') {
        result = e.result ?? prev?.result ?? null;
        report.completedBy[prev?.source ?? '?'] = (report.completedBy[prev?.source ?? '?'] ?? 0) + 1;
      }
    } else if (
      status === 'COMPLETED' &&
      result === null &&
      (e.type === 'CALLBACK' || e.type === 'POLL') &&
      e.status === 'COMPLETED' &&
      e.result &&
      !e.duplicate &&
      !e.stale &&
      !e.conflict
    ) {
      result = e.result; // a COMPLETED without result learns it later (decideTransition: 'applied')
    }
  }
  if (status !== row.status) problems.push(`row says ${row.status}, its events say ${status}`);
  if (row.status === 'COMPLETED' && row.result !== result)
    problems.push(`row result ${row.result}, events say ${result}`);
  if (TERMINAL_STATUSES.has(row.status) !== (row.completed_at !== null)) {
    problems.push(`completed_at ${row.completed_at ? 'set' : 'unset'} for ${row.status}`);
  }
  if ((row.initiated_at !== null) !== initiated) {
    problems.push(
      `initiated_at ${row.initiated_at ? 'set' : 'unset'} but ${initiated ? 'an' : 'no'} INITIATED event`,
    );
  }
  return problems;
}
