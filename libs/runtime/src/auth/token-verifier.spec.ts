import { AuthConfig } from './auth-config';
import { InvalidTokenError, issueToken, TokenVerifier } from './token-verifier';

const SECRET = 'a-test-secret-that-is-long-enough-1234';
const hs: AuthConfig = {
  algorithm: 'HS256',
  secret: SECRET,
  rolesClaim: 'roles',
};

describe('TokenVerifier: verified tokens are remembered until they expire', () => {
  let now: number;
  let verifier: TokenVerifier;

  beforeEach(() => {
    now = Date.now();
    verifier = new TokenVerifier(hs, { now: () => now });
  });

  it('answers a token it verified from memory, and stops accepting it at its exp', async () => {
    const token = await issueToken(
      SECRET,
      { subject: 'alice', roles: ['user'] },
      { ttlSeconds: 60 },
    );
    const exp = JSON.parse(
      Buffer.from(token.split('.')[1], 'base64url').toString(),
    ).exp as number;
    const first = await verifier.verify(token);
    expect(first).toEqual({ subject: 'alice', roles: ['user'] });
    expect(verifier.rememberedTokens).toBe(1);
    expect(await verifier.verify(token)).toBe(first);
    // Shared between requests: nobody can change it for the others.
    expect(Object.isFrozen(first) && Object.isFrozen(first.roles)).toBe(true);

    now = exp * 1000 - 1;
    expect(await verifier.verify(token)).toBe(first);
    now = exp * 1000;
    await expect(verifier.verify(token)).rejects.toThrow(InvalidTokenError);
    await expect(verifier.verify(token)).rejects.toThrow(/exp/);
  });

  it('never remembers a failure, and a remembered token does not vouch for a tampered one', async () => {
    const token = await issueToken(SECRET, {
      subject: 'alice',
      roles: ['viewer'],
    });
    await verifier.verify(token);
    const [header, , signature] = token.split('.');
    const forged = `${header}.${Buffer.from(
      JSON.stringify({ sub: 'alice', roles: ['admin'], exp: 9999999999 }),
    ).toString('base64url')}.${signature}`;
    await expect(verifier.verify(forged)).rejects.toThrow(InvalidTokenError);
    await expect(verifier.verify(forged)).rejects.toThrow(InvalidTokenError);
    const otherKey = await issueToken('another-secret-that-is-long-enough-99', {
      subject: 'mallory',
      roles: ['admin'],
    });
    await expect(verifier.verify(otherKey)).rejects.toThrow(InvalidTokenError);
    expect(verifier.rememberedTokens).toBe(1);
  });

  it('keeps each token to its own principal', async () => {
    const alice = await issueToken(SECRET, {
      subject: 'alice',
      roles: ['user'],
    });
    const bob = await issueToken(SECRET, { subject: 'bob', roles: ['admin'] });
    for (let i = 0; i < 3; i++) {
      expect((await verifier.verify(alice)).subject).toBe('alice');
      expect(await verifier.verify(bob)).toEqual({
        subject: 'bob',
        roles: ['admin'],
      });
    }
  });

  it('remembers at most 10,000 tokens (the least recently used go first)', async () => {
    const tokens = await Promise.all(
      Array.from({ length: 10_050 }, (_, i) =>
        issueToken(SECRET, { subject: `user-${i}`, roles: ['viewer'] }),
      ),
    );
    for (const token of tokens) await verifier.verify(token);
    expect(verifier.rememberedTokens).toBe(10_000);
  });
});
