// A real RTSP server (npm rtsp-streaming-server) in its own process, so the demo can stop it and a
// test can kill it as a crash would. Args: publishPort clientPort rtpPortStart. It prints "ready"
// once listening. Binds where the package binds; the demo and tests only use it over loopback.
import * as mod from 'rtsp-streaming-server';

const [publishPort, clientPort, rtpStart] = process.argv.slice(2).map(Number);
type Ctor = new (o: { serverPort: number; clientPort: number; rtpPortStart: number; rtpPortCount: number }) => { start(): Promise<void> };
// The package is CommonJS with an `exports.default`; reach the class whichever way it is wrapped.
const m = mod as unknown as { default: Ctor | { default: Ctor } };
const RtspServer: Ctor = typeof m.default === 'function' ? m.default : m.default.default;
const server = new RtspServer({ serverPort: publishPort!, clientPort: clientPort!, rtpPortStart: rtpStart!, rtpPortCount: 400 });
await server.start();
process.stdout.write('ready\n');
// Stop when the parent goes away (its stdin pipe closes), so no server outlives the demo.
process.stdin.on('end', () => process.exit(0));
process.stdin.resume();
