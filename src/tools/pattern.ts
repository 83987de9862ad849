/**
 * The preview renderer's picture, as pure maths: a hash of prompt + seed chooses a palette,
 * a background gradient, soft glows, soft rings and a ripple; `rasterize` samples that
 * continuous picture at any size. Every feature is defined in units of the image height,
 * not pixels, so the same prompt and seed give the same picture at 720p and at 8K; this is
 * what makes "finalize a draft at a higher resolution" show the draft, only sharper.
 */
import { createHash } from 'node:crypto';

type Rgb = readonly [number, number, number];

export interface Glow {
  /** Centre in [0,1] of width and height; radius in image heights. */
  x: number;
  y: number;
  radius: number;
  color: Rgb;
  strength: number;
}

export interface Ring {
  x: number;
  y: number;
  radius: number;
  /** Half the ring's thickness, in image heights. */
  half_width: number;
  color: Rgb;
  opacity: number;
}

export interface Pattern {
  /** Background corners: top-left, top-right, bottom-left, bottom-right. */
  corners: readonly [Rgb, Rgb, Rgb, Rgb];
  glows: readonly Glow[];
  rings: readonly Ring[];
  ripple: { angle: number; frequency: number; phase: number; amplitude: number };
  vignette: number;
}

/** Bump when the picture for a given prompt + seed changes, so stored previews stay explainable. */
export const PATTERN_VERSION = 1;

/** sfc32: small, fast, and good enough to spread 256 bits of hash over a few dozen choices. */
function sfc32(a: number, b: number, c: number, d: number): () => number {
  return () => {
    const t = (((a + b) | 0) + d) | 0;
    d = (d + 1) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) | 0;
    return (t >>> 0) / 4294967296;
  };
}

function hsl(h: number, s: number, l: number): Rgb {
  const k = (n: number) => (n + h / 30) % 12;
  const a = s * Math.min(l, 1 - l);
  const f = (n: number) => 255 * (l - a * Math.max(-1, Math.min(k(n) - 3, 9 - k(n), 1)));
  return [f(0), f(8), f(4)];
}

// Hue offsets of a few classic schemes: analogous, split-complementary, triadic, tetradic.
const SCHEMES = [
  [0, 30, -30, 60],
  [0, 150, 210, 30],
  [0, 120, 240, 60],
  [0, 90, 180, 270],
] as const;

export function patternOf(prompt: string, seed: number): Pattern {
  const digest = createHash('sha256')
    .update(`amisi.preview.v${PATTERN_VERSION}\0${seed}\0${prompt}`)
    .digest();
  const rng = sfc32(
    digest.readUInt32LE(0),
    digest.readUInt32LE(4),
    digest.readUInt32LE(8),
    digest.readUInt32LE(12),
  );
  for (let i = 0; i < 12; i++) rng();
  const between = (lo: number, hi: number) => lo + (hi - lo) * rng();
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rng() * xs.length)]!;

  const base = rng() * 360;
  const scheme = pick(SCHEMES);
  const hue = () => (base + pick(scheme) + between(-12, 12) + 360) % 360;
  const dark = () => hsl(hue(), between(0.35, 0.7), between(0.08, 0.26));
  const vivid = () => hsl(hue(), between(0.6, 0.95), between(0.45, 0.68));

  const corners = [dark(), dark(), dark(), dark()] as const;
  const glows: Glow[] = Array.from({ length: 3 + Math.floor(rng() * 4) }, () => ({
    x: between(0.05, 0.95),
    y: between(0.05, 0.95),
    radius: between(0.08, 0.4),
    color: vivid(),
    strength: between(0.55, 1),
  }));
  const rings: Ring[] = Array.from({ length: 1 + Math.floor(rng() * 3) }, () => ({
    x: between(0.15, 0.85),
    y: between(0.15, 0.85),
    radius: between(0.08, 0.35),
    half_width: between(0.006, 0.03),
    color: vivid(),
    opacity: between(0.35, 0.8),
  }));
  const ripple = {
    angle: rng() * Math.PI,
    frequency: between(6, 40),
    phase: rng() * 2 * Math.PI,
    amplitude: between(0.02, 0.12),
  };
  return { corners, glows, rings, ripple, vignette: between(0.2, 0.6) };
}

/** Samples the pattern at width × height pixels: packed 8-bit RGB, rows top to bottom. */
export function rasterize(p: Pattern, width: number, height: number): Buffer {
  const out = new Uint8ClampedArray(width * height * 3);
  const aspect = width / height;
  const [tl, tr, bl, br] = p.corners;
  const ca = Math.cos(p.ripple.angle) * p.ripple.frequency;
  const sa = Math.sin(p.ripple.angle) * p.ripple.frequency;
  const { phase, amplitude } = p.ripple;
  // Flat arrays: the inner loop runs up to half a million times per image.
  const G = p.glows.flatMap((g) => [g.x * aspect, g.y, 1 / (g.radius * g.radius), g.strength, ...g.color]);
  const R = p.rings.flatMap((r) => [r.x * aspect, r.y, r.radius, 1 / r.half_width, r.opacity, ...r.color]);
  // The ripple is sin(column term + row term): split by the angle-sum identity so the inner
  // loop multiplies instead of calling Math.sin per pixel. Same for the vignette's column term.
  const colSin = new Float64Array(width);
  const colCos = new Float64Array(width);
  const colVignette = new Float64Array(width);
  for (let x = 0; x < width; x++) {
    const u = (x + 0.5) / width;
    colSin[x] = Math.sin(u * aspect * ca);
    colCos[x] = Math.cos(u * aspect * ca);
    colVignette[x] = (u - 0.5) * (u - 0.5);
  }

  let i = 0;
  for (let y = 0; y < height; y++) {
    const v = (y + 0.5) / height;
    const lr = tl[0] + (bl[0] - tl[0]) * v;
    const lg = tl[1] + (bl[1] - tl[1]) * v;
    const lb = tl[2] + (bl[2] - tl[2]) * v;
    const rr = tr[0] + (br[0] - tr[0]) * v;
    const rg = tr[1] + (br[1] - tr[1]) * v;
    const rb = tr[2] + (br[2] - tr[2]) * v;
    const dv2 = (v - 0.5) * (v - 0.5);
    const rowSin = Math.sin(v * sa + phase);
    const rowCos = Math.cos(v * sa + phase);
    for (let x = 0; x < width; x++) {
      const u = (x + 0.5) / width;
      const px = u * aspect;
      let r = lr + (rr - lr) * u;
      let g = lg + (rg - lg) * u;
      let b = lb + (rb - lb) * u;
      for (let k = 0; k < G.length; k += 7) {
        const dx = px - G[k]!;
        const dy = v - G[k + 1]!;
        const q = (dx * dx + dy * dy) * G[k + 2]!;
        const w = G[k + 3]! / (1 + q * q);
        r += (G[k + 4]! - r) * w;
        g += (G[k + 5]! - g) * w;
        b += (G[k + 6]! - b) * w;
      }
      for (let k = 0; k < R.length; k += 8) {
        const dx = px - R[k]!;
        const dy = v - R[k + 1]!;
        const e = Math.abs(Math.sqrt(dx * dx + dy * dy) - R[k + 2]!) * R[k + 3]!;
        if (e < 1) {
          // Soft edge over the outer 40% of the half-width, in image units: no pixel-sized AA.
          const w = R[k + 4]! * Math.min(1, (1 - e) * 2.5);
          r += (R[k + 5]! - r) * w;
          g += (R[k + 6]! - g) * w;
          b += (R[k + 7]! - b) * w;
        }
      }
      const ripple = colSin[x]! * rowCos + colCos[x]! * rowSin;
      const m = (1 + amplitude * ripple) * (1 - p.vignette * (colVignette[x]! + dv2));
      out[i++] = r * m;
      out[i++] = g * m;
      out[i++] = b * m;
    }
  }
  return Buffer.from(out.buffer, out.byteOffset, out.byteLength);
}
