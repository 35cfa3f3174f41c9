// A DNS server on a loopback address for tests (UDP and TCP, port 53): it answers A and AAAA
// questions with whatever `answer` gives, marks an answer too large for the client's UDP size as
// truncated (the client asks again over TCP, as resolvers do) unless told to send it whole, and
// can hold an answer back.
import { createSocket, type Socket } from 'node:dgram';
import { createServer, type Server } from 'node:net';

export interface DnsAnswer {
  /** IPv4 addresses for an A question, IPv6 for AAAA. */
  addresses: string[];
  /** Answer this much later. */
  delayMs?: number;
}

export type Answerer = (name: string, type: 'A' | 'AAAA') => DnsAnswer;

const T_A = 1;
const T_AAAA = 28;
const T_OPT = 41;

function ipBytes(ip: string, v6: boolean): Buffer {
  if (!v6) return Buffer.from(ip.split('.').map(Number));
  const [head, tail = ''] = ip.split('::');
  const h = head ? head.split(':') : [];
  const t = tail ? tail.split(':') : [];
  const groups = ip.includes('::') ? [...h, ...Array<string>(8 - h.length - t.length).fill('0'), ...t] : h;
  const out = Buffer.alloc(16);
  groups.forEach((g, i) => out.writeUInt16BE(parseInt(g, 16), i * 2));
  return out;
}

/** The answer to query `q` (undefined: not a question we read), truncated past the client's UDP
 *  payload size when it came over `udp`. */
function respond(q: Buffer, answer: Answerer, udp: boolean, oversizedUdp: boolean): { reply: Buffer; delayMs: number } | undefined {
  if (q.length < 17 || q.readUInt16BE(4) !== 1) return undefined;
  const labels: string[] = [];
  let off = 12;
  while (off < q.length && q[off] !== 0) {
    const n = q[off]!;
    labels.push(q.subarray(off + 1, off + 1 + n).toString('latin1'));
    off += 1 + n;
  }
  const qend = off + 5;
  if (qend > q.length) return undefined;
  const qtype = q.readUInt16BE(off + 1);
  // The client's UDP payload size, from its EDNS OPT record if it sent one.
  let udpSize = 512;
  if (q.readUInt16BE(10) > 0 && qend + 5 <= q.length && q[qend] === 0 && q.readUInt16BE(qend + 1) === T_OPT) udpSize = Math.max(512, q.readUInt16BE(qend + 3));
  const v6 = qtype === T_AAAA;
  const a = qtype === T_A || v6 ? answer(labels.join('.'), v6 ? 'AAAA' : 'A') : { addresses: [] };
  const rrs = a.addresses.map((ip) => {
    const rd = ipBytes(ip, v6);
    const rr = Buffer.alloc(12 + rd.length);
    rr.writeUInt16BE(0xc00c, 0); // the question's name
    rr.writeUInt16BE(qtype, 2);
    rr.writeUInt16BE(1, 4); // IN
    rr.writeUInt32BE(60, 6);
    rr.writeUInt16BE(rd.length, 10);
    rd.copy(rr, 12);
    return rr;
  });
  const head = Buffer.alloc(12);
  head.writeUInt16BE(q.readUInt16BE(0), 0);
  const question = q.subarray(12, qend);
  const size = 12 + question.length + rrs.reduce((s, r) => s + r.length, 0);
  const truncated = udp && !oversizedUdp && size > udpSize;
  head.writeUInt16BE(0x8180 | (truncated ? 0x0200 : 0), 2); // response, recursion desired and available
  head.writeUInt16BE(1, 4);
  head.writeUInt16BE(truncated ? 0 : rrs.length, 6);
  return { reply: Buffer.concat(truncated ? [head, question] : [head, question, ...rrs]), delayMs: a.delayMs ?? 0 };
}

export class DnsResponder {
  /** Questions answered (UDP and TCP). */
  questions = 0;
  private pacer: NodeJS.Timeout | undefined;
  private constructor(
    private readonly udp: Socket,
    private readonly tcp: Server,
  ) {}

  /**
   * Serves on `host`:53 (root). `oversizedUdp`: answers over UDP whatever their size, as a server
   * may (resolvers take them), instead of truncating them for the client to ask over TCP.
   */
  static async start(host: string, answer: Answerer, opts: { oversizedUdp?: boolean } = {}): Promise<DnsResponder> {
    // (a resolver sends its questions in one burst: a default-sized buffer drops half of a thousand)
    const udp = createSocket({ type: 'udp4', recvBufferSize: 8 << 20 });
    const tcp = createServer((conn) => {
      let buf = Buffer.alloc(0);
      conn.on('error', () => {});
      conn.on('data', (chunk) => {
        buf = Buffer.concat([buf, chunk]);
        while (buf.length >= 2 && buf.length >= 2 + buf.readUInt16BE(0)) {
          const q = buf.subarray(2, 2 + buf.readUInt16BE(0));
          buf = buf.subarray(2 + q.length);
          const r = respond(q, answer, false, false);
          if (r === undefined) continue;
          responder.questions++;
          const len = Buffer.alloc(2);
          len.writeUInt16BE(r.reply.length);
          setTimeout(() => conn.writable && conn.write(Buffer.concat([len, r.reply])), r.delayMs);
        }
      });
    });
    const responder = new DnsResponder(udp, tcp);
    // UDP answers go out at most 10 every 5 ms: a burst of a thousand would overflow the client's
    // socket buffer, and lost answers are not what a test of the client's tables is after.
    const out: Array<() => void> = [];
    const pacer = setInterval(() => out.splice(0, 10).forEach((send) => send()), 5);
    pacer.unref();
    responder.pacer = pacer;
    udp.on('message', (q, from) => {
      const r = respond(q, answer, true, opts.oversizedUdp === true);
      if (r === undefined) return;
      responder.questions++;
      setTimeout(() => out.push(() => udp.send(r.reply, from.port, from.address)), r.delayMs);
    });
    await new Promise<void>((resolve, reject) => {
      udp.once('error', reject);
      udp.bind(53, host, () => resolve());
    });
    await new Promise<void>((resolve, reject) => {
      tcp.once('error', reject);
      tcp.listen(53, host, () => resolve());
    });
    return responder;
  }

  close(): void {
    clearInterval(this.pacer);
    this.udp.close();
    this.tcp.close();
  }
}
