import { decideTransition } from './submission-transition.js';

const at = new Date('2026-01-01T00:00:00Z');

describe('decideTransition', () => {
  it('moves a pending submission forward', () => {
    expect(
      decideTransition({ status: 'INITIATED', result: null, initiatedAt: at }, { status: 'IN_PROGRESS' }),
    ).toEqual({
      outcome: 'applied',
      changesStatus: true,
    });
    expect(
      decideTransition(
        { status: 'PARTIALLY_COMPLETED', result: null, initiatedAt: at },
        { status: 'COMPLETED', result: 'VALID' },
      ),
    ).toEqual({ outcome: 'applied', changesStatus: true });
  });

  it('allows skipping intermediate statuses', () => {
    expect(
      decideTransition(
        { status: 'INITIATED', result: null, initiatedAt: at },
        { status: 'COMPLETED', result: 'INVALID' },
      ).changesStatus,
    ).toBe(true);
  });

  it('treats the same status and result as a duplicate', () => {
    expect(
      decideTransition(
        { status: 'COMPLETED', result: 'VALID', initiatedAt: at },
        { status: 'COMPLETED', result: 'VALID' },
      ),
    ).toEqual({ outcome: 'duplicate', changesStatus: false });
    expect(
      decideTransition({ status: 'IN_PROGRESS', result: null, initiatedAt: at }, { status: 'IN_PROGRESS' })
        .outcome,
    ).toBe('duplicate');
  });

  it('never moves backwards: a late PARTIALLY_COMPLETED after COMPLETED is stale', () => {
    expect(
      decideTransition(
        { status: 'COMPLETED', result: 'VALID', initiatedAt: at },
        { status: 'PARTIALLY_COMPLETED' },
      ),
    ).toEqual({ outcome: 'stale', changesStatus: false });
    expect(
      decideTransition(
        { status: 'PARTIALLY_COMPLETED', result: null, initiatedAt: at },
        { status: 'IN_PROGRESS' },
      ).outcome,
    ).toBe('stale');
  });

  it('flags a second COMPLETED with another result as a conflict', () => {
    expect(
      decideTransition(
        { status: 'COMPLETED', result: 'VALID', initiatedAt: at },
        { status: 'COMPLETED', result: 'INVALID' },
      ),
    ).toEqual({ outcome: 'conflict', changesStatus: false });
  });

  it('keeps terminal statuses terminal and flags a different terminal story', () => {
    expect(
      decideTransition(
        { status: 'EXPIRED', result: null, initiatedAt: at },
        { status: 'COMPLETED', result: 'VALID' },
      ).outcome,
    ).toBe('conflict');
    expect(
      decideTransition({ status: 'COMPLETED', result: 'VALID', initiatedAt: at }, { status: 'ERROR' })
        .outcome,
    ).toBe('conflict');
    expect(
      decideTransition({ status: 'ERROR', result: null, initiatedAt: at }, { status: 'IN_PROGRESS' }).outcome,
    ).toBe('stale');
  });

  it('lets only an unfinished initiation fail', () => {
    expect(
      decideTransition(
        { status: 'INITIATED', result: null, initiatedAt: null },
        { status: 'INITIATION_FAILED' },
      ).changesStatus,
    ).toBe(true);
    expect(
      decideTransition(
        { status: 'INITIATED', result: null, initiatedAt: at },
        { status: 'INITIATION_FAILED' },
      ).outcome,
    ).toBe('stale');
  });

  it('expires pending submissions', () => {
    expect(
      decideTransition({ status: 'IN_PROGRESS', result: null, initiatedAt: at }, { status: 'EXPIRED' })
        .changesStatus,
    ).toBe(true);
  });
});
