// Reads the rows of an export's query straight from its connection's socket,
// in front of node-postgres's parser: each DataRow message's one column is
// handed over as bytes (to be copied into the body), without the JavaScript
// string, array and message object node-postgres would make per row. Every
// other message (ParseComplete, PortalSuspended, CommandComplete,
// ErrorResponse, notices, ReadyForQuery) goes on to node-postgres unchanged
// and in order, so the cursor protocol, errors and timeouts stay pg-cursor's.
// pg-copy-streams takes over the socket the same way for COPY.
import type pg from 'pg';

/** Receives one row's column as src[start, end). */
export type RowBytes = (src: Buffer, start: number, end: number) => void;

const DATA_ROW = 0x44; // 'D'
const HEADER = 5; // type byte and int32 length

type DataListener = (chunk: Buffer) => void;

interface Socket {
  listeners(event: 'data'): DataListener[];
  removeListener(event: 'data', l: DataListener): void;
  on(event: 'data', l: DataListener): void;
}

/**
 * Takes the DataRow messages of `client`'s connection (a dedicated one, whose
 * every query returns one text column) and gives back a function that hands
 * the socket back to node-postgres.
 */
export function tapDataRows(client: pg.Client, onRow: RowBytes): () => void {
  const socket = (client as unknown as { connection: { stream: Socket } }).connection.stream;
  const listeners = socket.listeners('data');
  if (listeners.length !== 1) throw new Error(`expected node-postgres's one data listener on the socket, found ${listeners.length}`);
  const forward = listeners[0]!;
  // Bytes of a message that has not fully arrived, and how many the message needs.
  let pending: Buffer[] = [];
  let pendingLen = 0;
  let need = HEADER;

  const tap: DataListener = (chunk) => {
    let buf = chunk;
    if (pendingLen > 0) {
      pending.push(chunk);
      pendingLen += chunk.length;
      if (pendingLen < need) return;
      buf = Buffer.concat(pending, pendingLen);
      pending = [];
      pendingLen = 0;
    }
    let pos = 0;
    let others = -1; // start of a run of messages for node-postgres
    while (buf.length - pos >= HEADER) {
      const end = pos + 1 + buf.readUInt32BE(pos + 1);
      if (end > buf.length) break;
      if (buf[pos] === DATA_ROW) {
        if (others !== -1) {
          forward(buf.subarray(others, pos));
          others = -1;
        }
        // int16 column count (1), int32 length (-1: NULL, never for an encoded line), the bytes.
        const len = buf.readInt32BE(pos + 7);
        const start = pos + 11;
        onRow(buf, start, len < 0 ? start : start + len);
      } else if (others === -1) {
        others = pos;
      }
      pos = end;
    }
    if (others !== -1) forward(buf.subarray(others, pos));
    if (pos < buf.length) {
      const rest = buf.subarray(pos);
      pending = [rest];
      pendingLen = rest.length;
      need = rest.length >= HEADER ? 1 + rest.readUInt32BE(1) : HEADER;
    }
  };

  socket.removeListener('data', forward);
  socket.on('data', tap);
  return () => {
    socket.removeListener('data', tap);
    socket.on('data', forward);
    if (pendingLen > 0) forward(Buffer.concat(pending, pendingLen));
    pending = [];
    pendingLen = 0;
  };
}
