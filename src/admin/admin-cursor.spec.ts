import { randomBytes } from 'node:crypto';
import { CursorCodec, InvalidCursorError, KeysetPosition } from './admin-cursor.js';

describe('CursorCodec (unit)', () => {
  const codec = new CursorCodec(randomBytes(32));
  const position: KeysetPosition = {
    at: '2025-11-26T05:33:12.123456Z',
    id: '6f1c2a9e-2b1d-4a51-9a57-0c1e8f3b2d44',
  };
  const filters = { status: 'COMPLETED', userId: 'user-1', nikHash: undefined };

  it('should give back the position it encoded, with the same filters', () => {
    const cursor = codec.encode('submissions', position, filters);
    expect(codec.decode('submissions', cursor, filters)).toEqual(position);
  });

  it('should be opaque: no filter value appears in the cursor', () => {
    const cursor = codec.encode('submissions', position, { nikHash: 'abc', userId: 'secret-user-42' });
    const body = Buffer.from(cursor.split('.')[0], 'base64url').toString('utf8');
    expect(body).not.toContain('secret-user-42');
    expect(body).not.toContain('abc"');
  });

  it('should ignore undefined filters and their order', () => {
    const cursor = codec.encode('submissions', position, { userId: 'u', status: 'ERROR' });
    expect(codec.decode('submissions', cursor, { status: 'ERROR', result: undefined, userId: 'u' })).toEqual(
      position,
    );
  });

  it('should refuse a cursor whose payload was altered', () => {
    const cursor = codec.encode('submissions', position, filters);
    const [body, tag] = cursor.split('.');
    const payload = JSON.parse(Buffer.from(body, 'base64url').toString('utf8'));
    payload.t = '2099-01-01T00:00:00.000000Z';
    const forged = `${Buffer.from(JSON.stringify(payload)).toString('base64url')}.${tag}`;
    expect(() => codec.decode('submissions', forged, filters)).toThrow(InvalidCursorError);
    expect(() => codec.decode('submissions', forged, filters)).toThrow(/invalid or was altered/);
  });

  it('should refuse a cursor whose signature was altered', () => {
    const cursor = codec.encode('submissions', position, filters);
    const [body, tag] = cursor.split('.');
    for (const i of [0, tag.length - 1]) {
      const altered = tag.slice(0, i) + (tag[i] === 'A' ? 'B' : 'A') + tag.slice(i + 1);
      expect(() => codec.decode('submissions', `${body}.${altered}`, filters)).toThrow(InvalidCursorError);
    }
  });

  it('should refuse a cursor signed with another key', () => {
    const other = new CursorCodec(randomBytes(32)).encode('submissions', position, filters);
    expect(() => codec.decode('submissions', other, filters)).toThrow(/invalid or was altered/);
  });

  it.each(['', 'abc', 'a.b.c', '.', 'abc.', '.abc', '!!!.???', 'eyJ2IjoxfQ.c2ln'])(
    'should refuse the malformed cursor %j',
    (bad) => {
      expect(() => codec.decode('submissions', bad, filters)).toThrow(InvalidCursorError);
    },
  );

  it('should refuse a cursor replayed against other filters', () => {
    const cursor = codec.encode('submissions', position, filters);
    expect(() => codec.decode('submissions', cursor, { ...filters, status: 'ERROR' })).toThrow(
      /other filters/,
    );
    expect(() => codec.decode('submissions', cursor, {})).toThrow(/other filters/);
  });

  it('should refuse a cursor of another list', () => {
    const cursor = codec.encode('unmatched-callbacks', { at: position.at, id: '42' }, {});
    expect(() => codec.decode('submissions', cursor, {})).toThrow(/another list/);
    expect(codec.decode('unmatched-callbacks', cursor, {})).toEqual({ at: position.at, id: '42' });
  });

  it('should refuse a correctly signed cursor whose position is not a sort key', () => {
    // Guards the SQL: only a microsecond UTC timestamp and an id of the list's type get through.
    const bad = codec.encode('submissions', { at: '2025-11-26', id: position.id }, filters);
    expect(() => codec.decode('submissions', bad, filters)).toThrow(/malformed/);
    const badId = codec.encode('submissions', { at: position.at, id: '1; DROP TABLE x' }, filters);
    expect(() => codec.decode('submissions', badId, filters)).toThrow(/malformed/);
  });

  it('should accept a cursor from another instance configured with the same secret', () => {
    const secret = randomBytes(32);
    const a = new CursorCodec(secret).encode('submissions', position, filters);
    expect(new CursorCodec(Buffer.from(secret)).decode('submissions', a, filters)).toEqual(position);
  });
});
