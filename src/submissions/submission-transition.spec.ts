import { changeKindOf, decideTransition } from './submission-transition.js';

const at = new Date('2026-01-01T00:00:00Z');
const me = { userId: 'user-1', userIdType: 'USER_ID' };
const fromProvider = { reportedUser: { userId: 'user-1', userIdType: 'USER_ID' } };

describe('decideTransition: identity safety and result semantics', () => {
  it('never applies a provider result about another user: a conflict, whatever the status', () => {
    for (const reportedUser of [
      { userId: 'user-2', userIdType: 'USER_ID' },
      { userId: 'user-1', userIdType: 'PHONE' },
    ]) {
      expect(
        decideTransition(
          { status: 'INITIATED', result: null, initiatedAt: at, ...me },
          { status: 'COMPLETED', result: 'VALID', reportedUser },
        ),
      ).toEqual({ outcome: 'conflict', changesStatus: false, conflictReason: 'user_mismatch' });
    }
  });

  it('never applies a provider result that names no user', () => {
    expect(
      decideTransition(
        { status: 'IN_PROGRESS', result: null, initiatedAt: at, ...me },
        {
          status: 'PARTIALLY_COMPLETED',
          result: 'VALID',
          reportedUser: { userId: null, userIdType: 'USER_ID' },
        },
      ),
    ).toEqual({ outcome: 'conflict', changesStatus: false, conflictReason: 'user_missing' });
  });

  it("applies a provider result about the session's own user as before", () => {
    expect(
      decideTransition(
        { status: 'INITIATED', result: null, initiatedAt: at, ...me },
        { status: 'COMPLETED', result: 'VALID', ...fromProvider },
      ),
    ).toEqual({ outcome: 'applied', changesStatus: true });
  });

  it('does not take a COMPLETED without a result as final: incomplete, the status stays', () => {
    for (const status of ['INITIATED', 'IN_PROGRESS', 'PARTIALLY_COMPLETED'] as const) {
      expect(
        decideTransition(
          { status, result: null, initiatedAt: at, ...me },
          { status: 'COMPLETED', ...fromProvider },
        ),
      ).toEqual({ outcome: 'incomplete', changesStatus: false });
    }
  });

  it('names a different terminal story a terminal conflict', () => {
    expect(
      decideTransition(
        { status: 'COMPLETED', result: 'VALID', initiatedAt: at, ...me },
        { status: 'COMPLETED', result: 'INVALID', ...fromProvider },
      ),
    ).toEqual({ outcome: 'conflict', changesStatus: false, conflictReason: 'terminal' });
  });
});

describe('decideTransition', () => {
  it('moves a pending submission forward', () => {
    expect(
      decideTransition(
        { status: 'INITIATED', result: null, initiatedAt: at, ...me },
        { status: 'IN_PROGRESS' },
      ),
    ).toEqual({
      outcome: 'applied',
      changesStatus: true,
    });
    expect(
      decideTransition(
        { status: 'PARTIALLY_COMPLETED', result: null, initiatedAt: at, ...me },
        { status: 'COMPLETED', result: 'VALID' },
      ),
    ).toEqual({ outcome: 'applied', changesStatus: true });
  });

  it('allows skipping intermediate statuses', () => {
    expect(
      decideTransition(
        { status: 'INITIATED', result: null, initiatedAt: at, ...me },
        { status: 'COMPLETED', result: 'INVALID' },
      ).changesStatus,
    ).toBe(true);
  });

  it('treats the same status and result as a duplicate', () => {
    expect(
      decideTransition(
        { status: 'COMPLETED', result: 'VALID', initiatedAt: at, ...me },
        { status: 'COMPLETED', result: 'VALID' },
      ),
    ).toEqual({ outcome: 'duplicate', changesStatus: false });
    expect(
      decideTransition(
        { status: 'IN_PROGRESS', result: null, initiatedAt: at, ...me },
        { status: 'IN_PROGRESS' },
      ).outcome,
    ).toBe('duplicate');
  });

  it('never moves backwards: a late PARTIALLY_COMPLETED after COMPLETED is stale', () => {
    expect(
      decideTransition(
        { status: 'COMPLETED', result: 'VALID', initiatedAt: at, ...me },
        { status: 'PARTIALLY_COMPLETED' },
      ),
    ).toEqual({ outcome: 'stale', changesStatus: false });
    expect(
      decideTransition(
        { status: 'PARTIALLY_COMPLETED', result: null, initiatedAt: at, ...me },
        { status: 'IN_PROGRESS' },
      ).outcome,
    ).toBe('stale');
  });

  it('flags a second COMPLETED with another result as a conflict', () => {
    expect(
      decideTransition(
        { status: 'COMPLETED', result: 'VALID', initiatedAt: at, ...me },
        { status: 'COMPLETED', result: 'INVALID' },
      ),
    ).toEqual({ outcome: 'conflict', changesStatus: false, conflictReason: 'terminal' });
  });

  it('keeps terminal statuses terminal and flags a different terminal story', () => {
    expect(
      decideTransition(
        { status: 'EXPIRED', result: null, initiatedAt: at, ...me },
        { status: 'COMPLETED', result: 'VALID' },
      ).outcome,
    ).toBe('conflict');
    expect(
      decideTransition({ status: 'COMPLETED', result: 'VALID', initiatedAt: at, ...me }, { status: 'ERROR' })
        .outcome,
    ).toBe('conflict');
    expect(
      decideTransition({ status: 'ERROR', result: null, initiatedAt: at, ...me }, { status: 'IN_PROGRESS' })
        .outcome,
    ).toBe('stale');
  });

  it('lets only an unfinished initiation fail', () => {
    expect(
      decideTransition(
        { status: 'INITIATED', result: null, initiatedAt: null, ...me },
        { status: 'INITIATION_FAILED' },
      ).changesStatus,
    ).toBe(true);
    expect(
      decideTransition(
        { status: 'INITIATED', result: null, initiatedAt: at, ...me },
        { status: 'INITIATION_FAILED' },
      ).outcome,
    ).toBe('stale');
  });

  it('expires pending submissions', () => {
    expect(
      decideTransition({ status: 'IN_PROGRESS', result: null, initiatedAt: at, ...me }, { status: 'EXPIRED' })
        .changesStatus,
    ).toBe(true);
  });

  it('records the token issued once, as a change that keeps the status INITIATED', () => {
    const issued = { status: 'INITIATED' as const, tokenIssued: true };
    expect(decideTransition({ status: 'INITIATED', result: null, initiatedAt: null, ...me }, issued)).toEqual(
      {
        outcome: 'applied',
        changesStatus: false,
      },
    );
    expect(
      decideTransition({ status: 'INITIATED', result: null, initiatedAt: at, ...me }, issued).outcome,
    ).toBe('duplicate');
  });

  it('still records the token when a callback overtook the initiation answer', () => {
    expect(
      decideTransition(
        { status: 'IN_PROGRESS', result: null, initiatedAt: null, ...me },
        { status: 'INITIATED', tokenIssued: true },
      ),
    ).toEqual({ outcome: 'applied', changesStatus: false });
  });

  it('ignores a token issued after the initiation was declared failed', () => {
    expect(
      decideTransition(
        { status: 'INITIATION_FAILED', result: null, initiatedAt: null, ...me },
        { status: 'INITIATED', tokenIssued: true },
      ).outcome,
    ).toBe('stale');
  });
});

describe('changeKindOf', () => {
  const applied = { outcome: 'applied' as const, changesStatus: true };

  it('names a change after the status observed', () => {
    expect(changeKindOf({ status: 'IN_PROGRESS' }, applied)).toBe('updated');
    expect(changeKindOf({ status: 'PARTIALLY_COMPLETED' }, applied)).toBe('updated');
    expect(changeKindOf({ status: 'COMPLETED', result: 'VALID' }, applied)).toBe('completed');
    expect(changeKindOf({ status: 'ERROR' }, applied)).toBe('failed');
    expect(changeKindOf({ status: 'INITIATION_FAILED' }, applied)).toBe('failed');
    expect(changeKindOf({ status: 'EXPIRED' }, applied)).toBe('expired');
  });

  it('calls a result learned at COMPLETED a completion too', () => {
    expect(
      changeKindOf({ status: 'COMPLETED', result: 'VALID' }, { outcome: 'applied', changesStatus: false }),
    ).toBe('completed');
  });

  it('treats the token issued and a flagged conflict as bookkeeping partners do not hear about', () => {
    expect(
      changeKindOf({ status: 'INITIATED', tokenIssued: true }, { ...applied, changesStatus: false }),
    ).toBe(null);
    expect(
      changeKindOf({ status: 'COMPLETED', result: 'INVALID' }, { outcome: 'conflict', changesStatus: false }),
    ).toBe(null);
  });
});
