import type { OneKycSubmissionDetails } from '../onekyc/onekyc.types.js';
import { decideMatch } from './poll-matching.js';

const asked = { id: '11111111-1111-4111-8111-111111111111', userId: 'u-1', userIdType: 'USER_ID' };
const sibling = { id: '22222222-2222-4222-8222-222222222222', userId: 'u-1', userIdType: 'USER_ID' };

function answer(
  partnerSessionId: string,
  extra: Partial<OneKycSubmissionDetails> = {},
): OneKycSubmissionDetails {
  return {
    submissionId: 'prov-1',
    userId: 'u-1',
    userIdType: 'USER_ID',
    partnerSessionId,
    status: 'COMPLETED',
    result: 'VALID',
    reasonCode: null,
    flow: 'STANDALONE_IDENTITY_VERIFICATION',
    ...extra,
  };
}

describe('decideMatch', () => {
  it('should treat no submission yet (404 1514/1518) as not found, not as an error', () => {
    expect(decideMatch(asked, null, null)).toEqual({ kind: 'not_found' });
  });

  it('should apply an answer about the asked session to that session', () => {
    expect(decideMatch(asked, answer(asked.id), null)).toEqual({ kind: 'own' });
  });

  it('should apply an answer about another session of the same user to that session', () => {
    expect(decideMatch(asked, answer(sibling.id), sibling)).toEqual({
      kind: 'other_session',
      submissionId: sibling.id,
    });
  });

  it('should record, not apply, an answer about a session that is not ours', () => {
    expect(decideMatch(asked, answer('legacy-session-42'), null)).toEqual({
      kind: 'foreign',
      partnerSessionId: 'legacy-session-42',
      reason: 'unknown_session',
    });
  });

  it('should never apply an answer to a session of ours that belongs to another user', () => {
    const otherUsers = { ...sibling, userId: 'u-2' };
    expect(decideMatch(asked, answer(sibling.id), otherUsers)).toMatchObject({
      kind: 'foreign',
      reason: 'other_user',
    });
    const otherType = { ...sibling, userIdType: 'PHONE' };
    expect(decideMatch(asked, answer(sibling.id), otherType)).toMatchObject({
      kind: 'foreign',
      reason: 'other_user',
    });
  });

  it('should not trust an owner row whose id is not the answer’s session', () => {
    expect(decideMatch(asked, answer(sibling.id), { ...sibling, id: asked.id })).toMatchObject({
      kind: 'foreign',
    });
  });

  it('should refuse answers the store cannot hold as they are', () => {
    expect(decideMatch(asked, answer(asked.id, { status: 'DONE' as never }), null)).toMatchObject({
      kind: 'invalid',
    });
    expect(decideMatch(asked, answer(asked.id, { result: 'MAYBE' as never }), null)).toMatchObject({
      kind: 'invalid',
    });
    expect(decideMatch(asked, answer(asked.id, { reasonCode: 'X'.repeat(65) }), null)).toMatchObject({
      kind: 'invalid',
    });
    expect(decideMatch(asked, answer(asked.id, { submissionId: 'p'.repeat(129) }), null)).toMatchObject({
      kind: 'invalid',
    });
  });

  it('should accept every documented status and result, and a missing result', () => {
    for (const status of ['IN_PROGRESS', 'PARTIALLY_COMPLETED', 'COMPLETED', 'ERROR'] as const) {
      expect(decideMatch(asked, answer(asked.id, { status, result: undefined }), null)).toEqual({
        kind: 'own',
      });
    }
    for (const result of ['VALID', 'INVALID', 'REJECTED'] as const) {
      expect(decideMatch(asked, answer(asked.id, { result }), null)).toEqual({ kind: 'own' });
    }
  });
});
