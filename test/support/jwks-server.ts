// A real JWKS endpoint for tests: a node http server on a loopback port that serves the public
// halves of keys generated with jose, and signs tokens with their private halves. Keys can be
// rotated while the app runs; `fetches` counts how often the app came for the key set.
import { createServer, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { CryptoKey, exportJWK, generateKeyPair, JWK, JWTPayload, SignJWT } from 'jose';

export interface TestSigningKey {
  kid: string;
  alg: 'RS256' | 'ES256' | 'EdDSA';
  privateKey: CryptoKey;
  jwk: JWK;
}

export async function generateSigningKey(kid: string, alg: TestSigningKey['alg']): Promise<TestSigningKey> {
  const { publicKey, privateKey } = await generateKeyPair(alg, alg === 'EdDSA' ? { crv: 'Ed25519' } : {});
  return { kid, alg, privateKey, jwk: { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' } };
}

export interface TokenOptions {
  issuer?: string;
  audience?: string;
  subject?: string;
  /** Seconds from now; negative for an expired token; null for no exp at all. */
  expiresIn?: number | null;
  /** Seconds from now. */
  notBefore?: number;
  claims?: JWTPayload;
  /** Header kid override (default the key's). */
  kid?: string;
}

export async function signToken(key: TestSigningKey | Uint8Array, o: TokenOptions = {}): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  const secret = key instanceof Uint8Array;
  const jwt = new SignJWT({ ...o.claims })
    .setProtectedHeader(secret ? { alg: 'HS256' } : { alg: key.alg, kid: o.kid ?? key.kid })
    .setIssuedAt(now);
  if (o.issuer !== undefined) jwt.setIssuer(o.issuer);
  if (o.audience !== undefined) jwt.setAudience(o.audience);
  if (o.subject !== undefined) jwt.setSubject(o.subject);
  if (o.expiresIn !== null) jwt.setExpirationTime(now + (o.expiresIn ?? 300));
  if (o.notBefore !== undefined) jwt.setNotBefore(now + o.notBefore);
  return jwt.sign(secret ? key : key.privateKey);
}

/** An unsigned token (`alg: none`), as an attacker would send it. */
export function unsecuredToken(payload: JWTPayload): string {
  const enc = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
  return `${enc({ alg: 'none', typ: 'JWT' })}.${enc(payload)}.`;
}

export class JwksServer {
  fetches = 0;
  private constructor(
    private readonly server: Server,
    readonly url: string,
    public keys: TestSigningKey[],
  ) {}

  static async start(keys: TestSigningKey[]): Promise<JwksServer> {
    const holder: { self?: JwksServer } = {};
    const server = createServer((req, res) => {
      const self = holder.self!;
      if (req.url !== '/.well-known/jwks.json') {
        res.writeHead(404).end();
        return;
      }
      self.fetches++;
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ keys: self.keys.map((k) => k.jwk) }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    holder.self = new JwksServer(server, `http://127.0.0.1:${port}/.well-known/jwks.json`, keys);
    return holder.self;
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}
