import { userCaller } from './caller.js';
import { mayRead, scopeToUser } from './caller-scope.js';

const partner = { kind: 'partner' as const, ref: 'abc' };
const alice = userCaller('alice', 'USER_ID', Buffer.alloc(32, 1));

describe('scopeToUser', () => {
  it('should take the user a partner key names, with the default type when none is given', () => {
    expect(scopeToUser(partner, { userId: 'bob' }, 'USER_ID')).toEqual({
      outcome: 'scoped',
      user: { userId: 'bob', userIdType: 'USER_ID' },
    });
    expect(scopeToUser(partner, { userId: 'bob', userIdType: 'PHONE' }, 'USER_ID')).toMatchObject({
      user: { userIdType: 'PHONE' },
    });
  });

  it('should ask a partner key to name the user', () => {
    expect(scopeToUser(partner, {}, 'USER_ID')).toEqual({ outcome: 'missing', field: 'userId' });
  });

  it("should take an end user's id from the token when the body names none", () => {
    expect(scopeToUser(alice, {}, 'IGNORED')).toEqual({
      outcome: 'scoped',
      user: { userId: 'alice', userIdType: 'USER_ID' },
    });
  });

  it('should accept an end user naming themself', () => {
    expect(scopeToUser(alice, { userId: 'alice', userIdType: 'USER_ID' }, 'X').outcome).toBe('scoped');
  });

  it('should refuse an end user naming another user id or another user id type', () => {
    expect(scopeToUser(alice, { userId: 'bob' }, 'USER_ID')).toEqual({
      outcome: 'forbidden',
      field: 'userId',
    });
    expect(scopeToUser(alice, { userIdType: 'OTHER' }, 'USER_ID')).toEqual({
      outcome: 'forbidden',
      field: 'userIdType',
    });
  });
});

describe('mayRead', () => {
  it('should let key callers read every verification', () => {
    expect(mayRead(partner, { userId: 'anyone', userIdType: 'USER_ID' })).toBe(true);
  });

  it('should let an end user read only their own verifications (same id and type)', () => {
    expect(mayRead(alice, { userId: 'alice', userIdType: 'USER_ID' })).toBe(true);
    expect(mayRead(alice, { userId: 'bob', userIdType: 'USER_ID' })).toBe(false);
    expect(mayRead(alice, { userId: 'alice', userIdType: 'EMAIL' })).toBe(false);
  });
});
