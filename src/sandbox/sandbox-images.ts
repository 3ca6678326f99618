// The sandbox's stand-ins for the provider's KTP and selfie images: small synthetic pictures
// (a mosaic of coloured 8x8 tiles, no person, no text) encoded as real JPEG, PNG or WebP files,
// the same bytes every time for the same submission and kind, built here without any library.
// Their URLs are signed and expire like S3 presigned URLs (`expires` + `signature`).
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { deflateSync } from 'node:zlib';

export const IMAGE_KINDS = ['KTP', 'SELFIE', 'ADDITIONAL_SELFIE'] as const;
export type ImageKind = (typeof IMAGE_KINDS)[number];
export const IMAGE_FORMATS = ['jpeg', 'png', 'webp'] as const;
export type ImageFormat = (typeof IMAGE_FORMATS)[number];
export const IMAGE_BODIES = ['image', 'html', 'html-as-image', 'oversize', 'oversize-chunked'] as const;
/** What the image URL answers: the picture, or a fault for the downloader's tests. */
export type ImageBody = (typeof IMAGE_BODIES)[number];

export const CONTENT_TYPES: Record<ImageFormat, string> = {
  jpeg: 'image/jpeg',
  png: 'image/png',
  webp: 'image/webp',
};

/** A KTP card is about 85.6 x 54 mm; selfies are portrait. Multiples of 8 (one JPEG block). */
const SIZES: Record<ImageKind, [width: number, height: number]> = {
  KTP: [64, 40],
  SELFIE: [48, 64],
  ADDITIONAL_SELFIE: [48, 64],
};

type Rgb = [number, number, number];

/** One colour per 8x8 tile, from SHA-256 of (submissionId, kind): deterministic and distinct. */
function tiles(submissionId: string, kind: ImageKind): { w: number; h: number; colours: Rgb[] } {
  const [w, h] = SIZES[kind];
  const count = (w / 8) * (h / 8);
  const bytes: number[] = [];
  for (let i = 0; bytes.length < count * 3; i++) {
    bytes.push(...createHash('sha256').update(`${submissionId}\u0000${kind}\u0000${i}`).digest());
  }
  const colours: Rgb[] = [];
  for (let t = 0; t < count; t++) colours.push([bytes[t * 3], bytes[t * 3 + 1], bytes[t * 3 + 2]]);
  return { w, h, colours };
}

export function syntheticImage(submissionId: string, kind: ImageKind, format: ImageFormat): Buffer {
  const t = tiles(submissionId, kind);
  if (format === 'jpeg') return encodeJpeg(t.w, t.h, t.colours);
  if (format === 'png') return encodePng(t.w, t.h, t.colours);
  // Lossless WebP with one colour (the first tile's): the smallest valid VP8L picture.
  return encodeWebp(t.w, t.h, t.colours[0]);
}

// --- Signed URLs -------------------------------------------------------------------------------

/** `expires` (epoch seconds) and `signature` over path and expiry, like an S3 presigned URL. */
export function signImagePath(secret: Buffer, path: string, expires: number): string {
  return createHmac('sha256', secret).update(`${path}\n${expires}`).digest('hex');
}

export type ImageUrlCheck = 'ok' | 'missing' | 'bad-signature' | 'expired';

export function checkImageUrl(
  secret: Buffer,
  path: string,
  expires: string | undefined,
  signature: string | undefined,
  nowMs = Date.now(),
): ImageUrlCheck {
  if (!expires || !signature || !/^\d{1,12}$/.test(expires) || !/^[0-9a-f]{64}$/.test(signature))
    return 'missing';
  const expected = Buffer.from(signImagePath(secret, path, Number(expires)), 'hex');
  if (!timingSafeEqual(expected, Buffer.from(signature, 'hex'))) return 'bad-signature';
  return nowMs >= Number(expires) * 1000 ? 'expired' : 'ok';
}

/** S3's error body (403 AccessDenied, 404 NoSuchKey ...), so a downloader sees what S3 sends. */
export function s3ErrorXml(code: string, message: string, extra: Record<string, string> = {}): string {
  const fields = Object.entries(extra)
    .map(([k, v]) => `<${k}>${v}</${k}>`)
    .join('');
  return (
    '<?xml version="1.0" encoding="UTF-8"?>\n' +
    `<Error><Code>${code}</Code><Message>${message}</Message>${fields}` +
    `<RequestId>SANDBOX</RequestId><HostId>onekyc-sandbox</HostId></Error>`
  );
}

// --- PNG ---------------------------------------------------------------------------------------

const CRC_TABLE = (() => {
  const table = new Int32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c;
  }
  return table;
})();

function crc32(buf: Buffer): number {
  let c = -1;
  for (const b of buf) c = CRC_TABLE[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ -1) >>> 0;
}

function pngChunk(type: string, data: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, 'ascii');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])), 0);
  return Buffer.concat([head, data, crc]);
}

function encodePng(w: number, h: number, colours: Rgb[]): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(w, 0);
  ihdr.writeUInt32BE(h, 4);
  ihdr.set([8, 2, 0, 0, 0], 8); // 8 bits, RGB, deflate, no filter method, no interlace
  const rows = Buffer.alloc(h * (1 + w * 3));
  for (let y = 0; y < h; y++) {
    const row = y * (1 + w * 3); // filter byte 0 (none) then the pixels
    for (let x = 0; x < w; x++) rows.set(colours[(y >> 3) * (w >> 3) + (x >> 3)], row + 1 + x * 3);
  }
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    pngChunk('IHDR', ihdr),
    pngChunk('IDAT', deflateSync(rows)),
    pngChunk('IEND', Buffer.alloc(0)),
  ]);
}

// --- JPEG (baseline, DC only: every 8x8 block is one flat colour, so no AC coefficient) --------

/** Writes bits most significant first, with JPEG's 0xFF00 byte stuffing. */
class JpegBits {
  private readonly out: number[] = [];
  private acc = 0;
  private n = 0;

  write(value: number, length: number): void {
    for (let i = length - 1; i >= 0; i--) {
      this.acc = (this.acc << 1) | ((value >> i) & 1);
      if (++this.n === 8) this.flushByte();
    }
  }

  finish(): Buffer {
    while (this.n !== 0) this.write(1, 1); // pad the last byte with ones
    return Buffer.from(this.out);
  }

  private flushByte(): void {
    this.out.push(this.acc);
    if (this.acc === 0xff) this.out.push(0x00);
    this.acc = 0;
    this.n = 0;
  }
}

// The standard DC luminance table (ITU T.81 Annex K.3), used for all three components, and an
// AC table whose only symbol is end-of-block.
const DC_BITS = [0, 1, 5, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0];
const DC_VALUES = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11];
const AC_BITS = [1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0];
const AC_VALUES = [0x00];

function huffmanCodes(bits: number[], values: number[]): Map<number, [code: number, length: number]> {
  const codes = new Map<number, [number, number]>();
  let code = 0;
  let k = 0;
  for (let length = 1; length <= 16; length++) {
    for (let i = 0; i < bits[length - 1]; i++) codes.set(values[k++], [code++, length]);
    code <<= 1;
  }
  return codes;
}
const DC_CODES = huffmanCodes(DC_BITS, DC_VALUES);
const EOB = huffmanCodes(AC_BITS, AC_VALUES).get(0x00)!;

function segment(marker: number, data: number[]): number[] {
  const length = data.length + 2;
  return [0xff, marker, length >> 8, length & 0xff, ...data];
}

function encodeJpeg(w: number, h: number, colours: Rgb[]): Buffer {
  const bits = new JpegBits();
  const previous = [0, 0, 0];
  for (const [r, g, b] of colours) {
    const ycc = [
      0.299 * r + 0.587 * g + 0.114 * b,
      128 - 0.168736 * r - 0.331264 * g + 0.5 * b,
      128 + 0.5 * r - 0.418688 * g - 0.081312 * b,
    ];
    for (let c = 0; c < 3; c++) {
      // With a quantisation table of ones, a flat block's DC coefficient is 8 x (value - 128).
      const dc = Math.round(8 * (Math.min(255, Math.max(0, ycc[c])) - 128));
      const diff = dc - previous[c];
      previous[c] = dc;
      const magnitude = Math.abs(diff);
      const category = magnitude === 0 ? 0 : Math.floor(Math.log2(magnitude)) + 1;
      const [code, length] = DC_CODES.get(category)!;
      bits.write(code, length);
      if (category > 0) bits.write(diff >= 0 ? diff : diff + (1 << category) - 1, category);
      bits.write(EOB[0], EOB[1]);
    }
  }
  const components = [1, 2, 3].flatMap((id) => [id, 0x11, 0]);
  return Buffer.concat([
    Buffer.from([
      0xff,
      0xd8,
      ...segment(0xe0, [0x4a, 0x46, 0x49, 0x46, 0, 1, 1, 0, 0, 1, 0, 1, 0, 0]), // JFIF 1.1
      ...segment(0xdb, [0, ...new Array<number>(64).fill(1)]),
      ...segment(0xc0, [8, h >> 8, h & 0xff, w >> 8, w & 0xff, 3, ...components]),
      ...segment(0xc4, [0x00, ...DC_BITS, ...DC_VALUES, 0x10, ...AC_BITS, ...AC_VALUES]),
      ...segment(0xda, [3, 1, 0x00, 2, 0x00, 3, 0x00, 0, 63, 0]),
    ]),
    bits.finish(),
    Buffer.from([0xff, 0xd9]),
  ]);
}

// --- WebP (lossless VP8L; one colour, so every prefix code is a one-symbol "simple code") ------

function encodeWebp(w: number, h: number, [r, g, b]: Rgb): Buffer {
  const out: number[] = [];
  let acc = 0;
  let n = 0;
  const write = (value: number, length: number) => {
    for (let i = 0; i < length; i++) {
      acc |= ((value >> i) & 1) << n; // VP8L packs bits least significant first
      if (++n === 8) {
        out.push(acc);
        acc = 0;
        n = 0;
      }
    }
  };
  write(0x2f, 8); // signature
  write(w - 1, 14);
  write(h - 1, 14);
  write(0, 1); // alpha not used
  write(0, 3); // version 0
  write(0, 1); // no transform
  write(0, 1); // no colour cache
  write(0, 1); // no meta prefix codes
  for (const symbol of [g, r, b, 255, 0]) {
    write(1, 1); // simple code
    write(0, 1); // one symbol: reading it takes no bits, so the pixels need none
    write(1, 1); // 8-bit symbol
    write(symbol, 8);
  }
  if (n > 0) out.push(acc);
  const data = Buffer.from(out);
  const padded = data.length % 2 ? Buffer.concat([data, Buffer.alloc(1)]) : data;
  const head = Buffer.alloc(20);
  head.write('RIFF', 0, 'ascii');
  head.writeUInt32LE(12 + padded.length, 4);
  head.write('WEBPVP8L', 8, 'ascii');
  head.writeUInt32LE(data.length, 16);
  return Buffer.concat([head, padded]);
}
