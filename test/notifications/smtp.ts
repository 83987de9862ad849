/** The smallest SMTP server nodemailer will talk to, on 127.0.0.1: it records each message. */
import { createServer, type Server, type Socket } from 'node:net';

export interface Mail {
  from: string;
  to: string[];
  data: string;
}

export class SmtpSink {
  private server!: Server;
  port = 0;
  readonly mails: Mail[] = [];

  async start() {
    this.server = createServer((socket: Socket) => {
      let buf = '';
      let inData = false;
      let cur: Mail = { from: '', to: [], data: '' };
      const say = (line: string) => socket.write(`${line}\r\n`);
      say('220 sink ESMTP');
      socket.on('data', (chunk) => {
        buf += chunk.toString('utf8');
        for (let i = buf.indexOf('\r\n'); i >= 0; i = buf.indexOf('\r\n')) {
          const line = buf.slice(0, i);
          buf = buf.slice(i + 2);
          if (inData) {
            if (line === '.') {
              inData = false;
              this.mails.push(cur);
              cur = { from: '', to: [], data: '' };
              say('250 OK queued');
            } else cur.data += `${line.startsWith('..') ? line.slice(1) : line}\n`;
            continue;
          }
          const cmd = line.slice(0, 4).toUpperCase();
          if (cmd === 'EHLO' || cmd === 'HELO') say('250 sink');
          else if (cmd === 'MAIL') {
            cur.from = line.slice(10).trim();
            say('250 OK');
          } else if (cmd === 'RCPT') {
            cur.to.push(line.slice(8).trim().replace(/[<>]/g, ''));
            say('250 OK');
          } else if (cmd === 'DATA') {
            inData = true;
            say('354 go ahead');
          } else if (cmd === 'QUIT') {
            say('221 bye');
            socket.end();
          } else if (cmd === 'RSET' || cmd === 'NOOP') say('250 OK');
          else say('502 not implemented');
        }
      });
      socket.on('error', () => {});
    });
    await new Promise<void>((ok) => this.server.listen(0, '127.0.0.1', ok));
    this.port = (this.server.address() as { port: number }).port;
    return this;
  }

  close() {
    return new Promise<void>((ok) => this.server.close(() => ok()));
  }
}
