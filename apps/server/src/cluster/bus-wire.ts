import type { BusMessage } from './bus.js';

export type { BusMessage };

/**
 * How bus messages travel in Redis pub/sub. One Redis message carries, in order, every bus message a node sent to
 * one channel in one turn of the event loop (a burst of relayed frames for one node is one PUBLISH and one read on
 * the receiving node):
 *
 *     <seq> TAB <from> [TAB <node>,<node>…] LF <entry>…      (the nodes listed got the entries over their link)
 *     entry = "d" <conn> TAB <length> TAB <frame>     a frame for one connection, the very bytes its sender wrote
 *           | "j" <length> TAB <json>                  any other message, as JSON
 *
 * `length` is the byte length of what follows it, so a frame may hold any bytes (tabs, newlines). `seq` counts
 * Redis messages per channel and publisher: a receiver sees a lost one as a skipped number.
 */

const TAB = 0x09;
const LF = 0x0a;
const DELIVER = 0x64; // d
const JSON_ENTRY = 0x6a; // j

/** One bus message as the parts of its entry (the frame of a `deliver` is not copied). */
export function encodeEntry(message: BusMessage): Buffer[] {
  if (message.kind === 'deliver') return [Buffer.from(`d${message.conn}\t${message.frame.length}\t`, 'latin1'), message.frame];
  const json = Buffer.from(JSON.stringify(message), 'utf8');
  return [Buffer.from(`j${json.length}\t`, 'latin1'), json];
}

/**
 * A Redis message: the header, then the entries' parts in order. `linked`: the nodes that got these messages over
 * their direct link (a broadcast), which skip this copy.
 */
export function encodeBatch(seq: number, from: string, parts: readonly Buffer[], linked: readonly string[] = []): Buffer {
  const head = linked.length === 0 ? `${seq}\t${from}\n` : `${seq}\t${from}\t${linked.join(',')}\n`;
  return Buffer.concat([Buffer.from(head, 'latin1'), ...parts]);
}

export interface Batch {
  seq: number;
  from: string;
  /** Nodes that got the messages over their direct link. */
  linked: string[];
  /** Empty for a marker (it only moves the sequence on). */
  messages: BusMessage[];
}

/** Reads a Redis message back; undefined when it is not one (nothing of it is used then). */
export function decodeBatch(data: Buffer): Batch | undefined {
  const headEnd = data.indexOf(LF);
  const seqEnd = data.indexOf(TAB);
  if (headEnd < 0 || seqEnd < 1 || seqEnd > headEnd) return undefined;
  const seq = decimal(data, 0, seqEnd);
  const [from = '', linked] = data.toString('latin1', seqEnd + 1, headEnd).split('\t');
  if (seq === undefined || from.length === 0) return undefined;
  const messages = headEnd + 1 === data.length ? [] : decodeEntries(data, headEnd + 1);
  return messages === undefined ? undefined : { seq, from, linked: linked === undefined ? [] : linked.split(','), messages };
}

/** The entries of `data` from `from` to its end; undefined when there are none or they are not entries. */
export function decodeEntries(data: Buffer, from: number): BusMessage[] | undefined {
  const messages: BusMessage[] = [];
  let at = from;
  while (at < data.length) {
    const kind = data[at];
    if (kind === DELIVER) {
      const connEnd = data.indexOf(TAB, at + 1);
      const lengthEnd = connEnd < 0 ? -1 : data.indexOf(TAB, connEnd + 1);
      const length = lengthEnd < 0 ? undefined : decimal(data, connEnd + 1, lengthEnd);
      if (length === undefined || lengthEnd + 1 + length > data.length || connEnd === at + 1) return undefined;
      messages.push({ kind: 'deliver', conn: data.toString('latin1', at + 1, connEnd), frame: data.subarray(lengthEnd + 1, lengthEnd + 1 + length) });
      at = lengthEnd + 1 + length;
    } else if (kind === JSON_ENTRY) {
      const lengthEnd = data.indexOf(TAB, at + 1);
      const length = lengthEnd < 0 ? undefined : decimal(data, at + 1, lengthEnd);
      if (length === undefined || lengthEnd + 1 + length > data.length) return undefined;
      messages.push(JSON.parse(data.toString('utf8', lengthEnd + 1, lengthEnd + 1 + length)) as BusMessage);
      at = lengthEnd + 1 + length;
    } else {
      return undefined;
    }
  }
  return messages.length === 0 ? undefined : messages;
}

/** The non-negative integer written in ASCII digits in `data[from, to)`, else undefined. */
function decimal(data: Buffer, from: number, to: number): number | undefined {
  if (to <= from || to - from > 15) return undefined;
  let value = 0;
  for (let i = from; i < to; i++) {
    const c = data[i]!;
    if (c < 0x30 || c > 0x39) return undefined;
    value = value * 10 + (c - 0x30);
  }
  return value;
}
