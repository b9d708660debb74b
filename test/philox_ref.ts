// Philox4x32-10 (Salmon et al. 2011) in BigInts: the independent reference both dropout tests
// (the fused attention kernel's and the dropout op's) check native/core/philox.h's keep bits against.
const M32 = 0xffffffffn;

/** The four 32-bit words of Philox4x32-10 block `counter` under key `seed`. */
export function philox(seed: bigint, counter: bigint): number[] {
  let c0 = counter & M32, c1 = (counter >> 32n) & M32, c2 = 0n, c3 = 0n;
  let k0 = seed & M32, k1 = (seed >> 32n) & M32;
  for (let r = 0; r < 10; r++) {
    const p0 = 0xd2511f53n * c0, p1 = 0xcd9e8d57n * c2;
    const n0 = (p1 >> 32n) ^ c1 ^ k0, n2 = (p0 >> 32n) ^ c3 ^ k1;
    c1 = p1 & M32; c3 = p0 & M32; c0 = n0; c2 = n2;
    k0 = (k0 + 0x9e3779b9n) & M32; k1 = (k1 + 0xbb67ae85n) & M32;
  }
  return [c0, c1, c2, c3].map(Number);
}
