// The synthetic images and their signed URLs: well-formed files of each format, deterministic per
// submission and kind, and S3-like URL checks (expiry, signature).
import { checkImageUrl, signImagePath, syntheticImage } from './sandbox-images.js';

/** The JPEG segments up to the scan: marker byte and length, as a decoder walks them. */
function jpegSegments(buf: Buffer): { marker: number; data: Buffer }[] {
  const out: { marker: number; data: Buffer }[] = [];
  let i = 2;
  while (i < buf.length) {
    expect(buf[i]).toBe(0xff);
    const marker = buf[i + 1];
    const length = buf.readUInt16BE(i + 2);
    out.push({ marker, data: buf.subarray(i + 4, i + 2 + length) });
    if (marker === 0xda) break;
    i += 2 + length;
  }
  return out;
}

describe('sandbox synthetic images', () => {
  it('should encode a baseline JPEG with its size in the frame header and an end marker', () => {
    const jpeg = syntheticImage('s-1', 'KTP', 'jpeg');
    expect(jpeg.subarray(0, 2).toString('hex')).toBe('ffd8');
    expect(jpeg.subarray(-2).toString('hex')).toBe('ffd9');
    const segments = jpegSegments(jpeg);
    expect(segments.map((s) => s.marker)).toEqual([0xe0, 0xdb, 0xc0, 0xc4, 0xda]);
    const sof = segments[2].data;
    expect([sof.readUInt16BE(1), sof.readUInt16BE(3), sof[5]]).toEqual([40, 64, 3]); // height, width, components
  });

  it('should encode a PNG whose chunk CRCs are right', () => {
    const png = syntheticImage('s-1', 'SELFIE', 'png');
    expect(png.subarray(12, 16).toString('ascii')).toBe('IHDR');
    expect([png.readUInt32BE(16), png.readUInt32BE(20)]).toEqual([48, 64]);
    // The well-known CRC of an empty IEND chunk.
    expect(png.subarray(-4).toString('hex')).toBe('ae426082');
  });

  it('should encode a lossless WebP whose RIFF size matches the file', () => {
    const webp = syntheticImage('s-1', 'KTP', 'webp');
    expect(webp.subarray(0, 4).toString('ascii')).toBe('RIFF');
    expect(webp.readUInt32LE(4)).toBe(webp.length - 8);
    expect(webp.subarray(8, 16).toString('ascii')).toBe('WEBPVP8L');
    expect(webp[20]).toBe(0x2f);
    // 14-bit width-1 and height-1 right after the signature byte.
    const bits = webp.readUInt32LE(21);
    expect([(bits & 0x3fff) + 1, ((bits >> 14) & 0x3fff) + 1]).toEqual([64, 40]);
  });

  it('should give the same bytes for the same submission and kind, and others otherwise', () => {
    const a = syntheticImage('s-1', 'KTP', 'jpeg');
    expect(syntheticImage('s-1', 'KTP', 'jpeg').equals(a)).toBe(true);
    expect(syntheticImage('s-2', 'KTP', 'jpeg').equals(a)).toBe(false);
    expect(
      syntheticImage('s-1', 'ADDITIONAL_SELFIE', 'png').equals(syntheticImage('s-1', 'SELFIE', 'png')),
    ).toBe(false);
  });
});

describe('sandbox signed image URLs', () => {
  const key = Buffer.alloc(32, 7);
  const path = '/sandbox/images/s-1/KTP';
  const expires = 2_000_000_000;
  const signature = signImagePath(key, path, expires);

  it('should accept the signed path before its expiry and call it expired at and after it', () => {
    expect(checkImageUrl(key, path, String(expires), signature, expires * 1000 - 1)).toBe('ok');
    expect(checkImageUrl(key, path, String(expires), signature, expires * 1000)).toBe('expired');
  });

  it('should refuse another path, another expiry, another key, or no signature', () => {
    const before = expires * 1000 - 1000;
    expect(checkImageUrl(key, '/sandbox/images/s-1/SELFIE', String(expires), signature, before)).toBe(
      'bad-signature',
    );
    expect(checkImageUrl(key, path, String(expires + 1), signature, before)).toBe('bad-signature');
    expect(checkImageUrl(Buffer.alloc(32, 8), path, String(expires), signature, before)).toBe(
      'bad-signature',
    );
    expect(checkImageUrl(key, path, undefined, signature, before)).toBe('missing');
    expect(checkImageUrl(key, path, String(expires), 'zz', before)).toBe('missing');
  });
});
