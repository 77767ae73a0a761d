/**
 * Minimal GGUF v3 writer: metadata key/values, tensor infos and F32 tensor data.
 *
 * Layout (all little-endian): magic "GGUF", version u32, tensor count u64, metadata count u64,
 * metadata entries, tensor infos, padding to the alignment, then each tensor's data at an
 * aligned offset relative to the start of the data section.
 *
 * The header is built in memory (it holds the vocabulary, a few hundred KB); tensor data is
 * produced lazily, one tensor at a time, and streamed to the file.
 */
import { open } from "node:fs/promises";
import { endianness } from "node:os";

export const GGUF_MAGIC = "GGUF";
export const GGUF_VERSION = 3;
export const GGUF_DEFAULT_ALIGNMENT = 32;

/** GGUF metadata value type ids. */
const ValueType = {
  INT32: 5,
  UINT32: 4,
  FLOAT32: 6,
  BOOL: 7,
  STRING: 8,
  ARRAY: 9,
  UINT64: 10,
} as const;
type ValueTypeId = (typeof ValueType)[keyof typeof ValueType];

const GGML_TYPE_F32 = 0;

export type GgufValue =
  | { type: "uint32"; value: number }
  | { type: "int32"; value: number }
  | { type: "uint64"; value: bigint }
  | { type: "float32"; value: number }
  | { type: "bool"; value: boolean }
  | { type: "string"; value: string }
  | { type: "string[]"; value: readonly string[] }
  | { type: "float32[]"; value: ArrayLike<number> }
  | { type: "int32[]"; value: ArrayLike<number> }
  | { type: "uint32[]"; value: ArrayLike<number> };

export interface GgufMetadataEntry {
  key: string;
  value: GgufValue;
}

export interface GgufF32Tensor {
  name: string;
  /** GGUF dimension order: dims[0] (ne[0]) is the fastest-varying dimension. */
  dims: readonly number[];
  /** Produces the tensor's values (length = product of dims); called once, when it is written. */
  data: () => Float32Array;
}

export interface GgufFile {
  metadata: readonly GgufMetadataEntry[];
  tensors: readonly GgufF32Tensor[];
  /** Defaults to 32; any other value is also written as `general.alignment`. */
  alignment?: number;
}

/** Growable little-endian byte buffer for the header. */
class ByteSink {
  private buf = Buffer.alloc(1 << 16);
  length = 0;

  private reserve(n: number): void {
    if (this.length + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.length + n) size *= 2;
    const next = Buffer.alloc(size);
    this.buf.copy(next, 0, 0, this.length);
    this.buf = next;
  }

  u8(v: number): void {
    this.reserve(1);
    this.buf.writeUInt8(v, this.length);
    this.length += 1;
  }
  u32(v: number): void {
    this.reserve(4);
    this.buf.writeUInt32LE(v, this.length);
    this.length += 4;
  }
  i32(v: number): void {
    this.reserve(4);
    this.buf.writeInt32LE(v, this.length);
    this.length += 4;
  }
  u64(v: bigint | number): void {
    this.reserve(8);
    this.buf.writeBigUInt64LE(BigInt(v), this.length);
    this.length += 8;
  }
  f32(v: number): void {
    this.reserve(4);
    this.buf.writeFloatLE(v, this.length);
    this.length += 4;
  }
  str(s: string): void {
    const bytes = Buffer.from(s, "utf8");
    this.u64(bytes.length);
    this.reserve(bytes.length);
    bytes.copy(this.buf, this.length);
    this.length += bytes.length;
  }
  zeros(n: number): void {
    this.reserve(n);
    this.buf.fill(0, this.length, this.length + n);
    this.length += n;
  }
  bytes(): Buffer {
    return this.buf.subarray(0, this.length);
  }
}

function alignUp(n: number, alignment: number): number {
  return Math.ceil(n / alignment) * alignment;
}

function writeValue(sink: ByteSink, v: GgufValue): void {
  switch (v.type) {
    case "uint32":
      sink.u32(ValueType.UINT32);
      sink.u32(v.value);
      return;
    case "int32":
      sink.u32(ValueType.INT32);
      sink.i32(v.value);
      return;
    case "uint64":
      sink.u32(ValueType.UINT64);
      sink.u64(v.value);
      return;
    case "float32":
      sink.u32(ValueType.FLOAT32);
      sink.f32(v.value);
      return;
    case "bool":
      sink.u32(ValueType.BOOL);
      sink.u8(v.value ? 1 : 0);
      return;
    case "string":
      sink.u32(ValueType.STRING);
      sink.str(v.value);
      return;
    case "string[]":
      writeArrayHeader(sink, ValueType.STRING, v.value.length);
      for (const s of v.value) sink.str(s);
      return;
    case "float32[]":
      writeArrayHeader(sink, ValueType.FLOAT32, v.value.length);
      for (let i = 0; i < v.value.length; i++) sink.f32(v.value[i] ?? 0);
      return;
    case "int32[]":
      writeArrayHeader(sink, ValueType.INT32, v.value.length);
      for (let i = 0; i < v.value.length; i++) sink.i32(v.value[i] ?? 0);
      return;
    case "uint32[]":
      writeArrayHeader(sink, ValueType.UINT32, v.value.length);
      for (let i = 0; i < v.value.length; i++) sink.u32(v.value[i] ?? 0);
      return;
  }
}

function writeArrayHeader(sink: ByteSink, itemType: ValueTypeId, count: number): void {
  sink.u32(ValueType.ARRAY);
  sink.u32(itemType);
  sink.u64(count);
}

function elementCount(t: GgufF32Tensor): number {
  if (t.dims.length === 0 || t.dims.length > 4) {
    throw new RangeError(`GGUF tensor ${t.name}: expected 1 to 4 dimensions, got ${t.dims.length}`);
  }
  return t.dims.reduce((a, b) => a * b, 1);
}

function float32Bytes(data: Float32Array): Buffer {
  if (endianness() === "LE") return Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  const out = Buffer.alloc(data.byteLength);
  for (let i = 0; i < data.length; i++) out.writeFloatLE(data[i] ?? 0, i * 4);
  return out;
}

/** Writes a GGUF v3 file at `path` (overwriting it) and returns the number of bytes written. */
export async function writeGguf(path: string, file: GgufFile): Promise<number> {
  const alignment = file.alignment ?? GGUF_DEFAULT_ALIGNMENT;
  const metadata: GgufMetadataEntry[] = [...file.metadata];
  if (alignment !== GGUF_DEFAULT_ALIGNMENT) {
    metadata.push({ key: "general.alignment", value: { type: "uint32", value: alignment } });
  }

  const header = new ByteSink();
  header.u8(0x47); // G
  header.u8(0x47); // G
  header.u8(0x55); // U
  header.u8(0x46); // F
  header.u32(GGUF_VERSION);
  header.u64(file.tensors.length);
  header.u64(metadata.length);
  for (const entry of metadata) {
    header.str(entry.key);
    writeValue(header, entry.value);
  }

  const sizes: number[] = [];
  let offset = 0;
  for (const t of file.tensors) {
    const size = elementCount(t) * 4;
    header.str(t.name);
    header.u32(t.dims.length);
    for (const d of t.dims) header.u64(d);
    header.u32(GGML_TYPE_F32);
    header.u64(offset);
    sizes.push(size);
    offset = alignUp(offset + size, alignment);
  }
  header.zeros(alignUp(header.length, alignment) - header.length);

  const fh = await open(path, "w");
  try {
    let position = 0;
    const write = async (buf: Buffer): Promise<void> => {
      let done = 0;
      while (done < buf.length) {
        const { bytesWritten } = await fh.write(buf, done, buf.length - done, position);
        done += bytesWritten;
        position += bytesWritten;
      }
    };
    await write(header.bytes());
    for (const [i, t] of file.tensors.entries()) {
      const data = t.data();
      const size = sizes[i] ?? 0;
      if (data.byteLength !== size) {
        throw new RangeError(`GGUF tensor ${t.name}: expected ${size / 4} values, got ${data.length}`);
      }
      await write(float32Bytes(data));
      const pad = alignUp(size, alignment) - size;
      if (pad > 0) await write(Buffer.alloc(pad));
    }
    await fh.sync();
    return position;
  } finally {
    await fh.close();
  }
}
