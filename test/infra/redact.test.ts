import { describe, expect, it } from 'vitest';
import { redactText, redactUrl } from '../../infra/redact.ts';

describe('credential redaction', () => {
  it('hides user and password in camera URLs', () => {
    expect(redactUrl('rtsp://admin:s3cret@10.1.2.3:554/Streaming/Channels/101')).toBe('rtsp://***@10.1.2.3:554/Streaming/Channels/101');
    expect(redactUrl('rtsp://admin@cam.local/live')).toBe('rtsp://***@cam.local/live');
  });
  it('leaves URLs without credentials and plain paths alone', () => {
    expect(redactUrl('rtsp://127.0.0.1:8554/cam1')).toBe('rtsp://127.0.0.1:8554/cam1');
    expect(redactUrl('/data/replay.mp4')).toBe('/data/replay.mp4');
  });
  it('masks URLs inside error text', () => {
    expect(redactText('rtsp://u:p@h/x: Connection refused; retry rtsp://a:b@c/d')).toBe('rtsp://***@h/x: Connection refused; retry rtsp://***@c/d');
    expect(redactText('rtsp://u:p@h/x').includes('p@')).toBe(false);
  });
});
