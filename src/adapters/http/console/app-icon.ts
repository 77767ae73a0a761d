import { crc32, deflateSync } from "node:zlib";

const GREEN = [0x2f, 0x5d, 0x50] as const;
const WHITE = [0xff, 0xff, 0xff] as const;

/**
 * The console's app icon as a PNG of `size` pixels, drawn here (no image file in the repository):
 * a green square with a white speech bubble, inside the safe zone of a maskable icon.
 */
export function appIconPng(size: number): Buffer {
  const rows: Buffer[] = [];
  const c = size / 2;
  const r = size * 0.26;
  for (let y = 0; y < size; y++) {
    const row = Buffer.alloc(1 + size * 3);
    for (let x = 0; x < size; x++) {
      const dx = x + 0.5 - c;
      const dy = y + 0.5 - c * 0.94;
      // The bubble: an ellipse, and its tail down to the lower left.
      const inBubble = (dx * dx) / (r * r * 1.2) + (dy * dy) / (r * r * 0.8) <= 1;
      const tx = (x + 0.5 - (c - r * 0.55)) / (r * 0.5);
      const ty = (y + 0.5 - (c + r * 0.45)) / (r * 0.55);
      const inTail = tx >= 0 && ty >= 0 && ty <= 1 && tx <= 1 - ty;
      const [red, green, blue] = inBubble || inTail ? WHITE : GREEN;
      row.set([red, green, blue], 1 + x * 3);
    }
    rows.push(row);
  }
  const header = Buffer.alloc(13);
  header.writeUInt32BE(size, 0);
  header.writeUInt32BE(size, 4);
  header.set([8, 2, 0, 0, 0], 8); // 8-bit RGB, no interlace
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk("IHDR", header),
    chunk("IDAT", deflateSync(Buffer.concat(rows))),
    chunk("IEND", Buffer.alloc(0)),
  ]);
}

function chunk(type: string, data: Buffer): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, "latin1"), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([length, body, crc]);
}
