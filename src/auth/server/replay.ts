/**
 * Replay protection for client assertions (RFC 7523 section 3, item 7; SMART App Launch 2.x
 * backend-services.html: "the jti must not have been used before"): each jti is remembered, per
 * client, until its assertion expires. In memory: a restart forgets them, but assertions live at
 * most five minutes.
 */
export class JtiCache {
  private readonly seen = new Map<string, number>();

  /** Records `jti` of `clientId` until `expiresAtMs`; false when it was already recorded. */
  claim(clientId: string, jti: string, expiresAtMs: number, nowMs: number): boolean {
    this.prune(nowMs);
    const key = `${clientId}\u0000${jti}`;
    if (this.seen.has(key)) return false;
    this.seen.set(key, expiresAtMs);
    return true;
  }

  private prune(nowMs: number): void {
    for (const [key, until] of this.seen) if (until < nowMs) this.seen.delete(key);
  }
}
