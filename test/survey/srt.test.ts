import { describe, expect, it } from 'vitest';
import { parseDjiSrt, SrtError, telemetryAt } from '../../pipeline/survey/srt.ts';

const oldLayout = `1
00:00:00,000 --> 00:00:01,000
F/2.8, SS 206.14, ISO 150, EV 0, GPS (-82.6669, 27.7716, 10), D 2.80m, H 0.00m, H.S 0.00m/s, V.S 0.00m/s

2
00:00:01,000 --> 00:00:02,000
F/2.8, SS 202.82, ISO 140, EV 0, GPS (-82.6670, 27.7717, 9), D 2.84m, H 12.50m, H.S 0.00m/s, V.S 0.00m/s
`;
const newLayout = `1
00:00:00,000 --> 00:00:00,033
<font size="28">FrameCnt: 1, DiffTime: 33ms
2023-05-01 10:00:00.123
[iso: 100] [shutter: 1/1000.0] [fnum: 2.8] [ev: 0] [latitude: 22.546300] [longitude: 113.940000] [rel_alt: 50.100 abs_alt: 71.300] </font>
`;

describe('DJI video telemetry (.srt)', () => {
  it('reads the old "GPS (lon, lat, alt)" layout, longitude first', () => {
    const cues = parseDjiSrt(oldLayout, 'v.srt');
    expect(cues).toHaveLength(2);
    expect(cues[1]).toMatchObject({ index: 2, startMs: 1000, endMs: 2000, telemetry: { lat: 27.7717, lon: -82.667, relativeAltitudeM: 12.5, absoluteAltitudeM: 9 } });
  });

  it('reads the newer bracketed layout', () => {
    const [cue] = parseDjiSrt(newLayout, 'v.srt');
    expect(cue!.telemetry).toEqual({ lat: 22.5463, lon: 113.94, relativeAltitudeM: 50.1, absoluteAltitudeM: 71.3 });
    expect(cue!.endMs).toBe(33);
  });

  it('finds the telemetry of a frame by its time in the video', () => {
    const cues = parseDjiSrt(oldLayout, 'v.srt');
    expect(telemetryAt(cues, 1500)?.relativeAltitudeM).toBe(12.5);
    expect(telemetryAt(cues, 500)?.relativeAltitudeM).toBe(0);
    expect(telemetryAt(cues, 9000)?.relativeAltitudeM).toBe(12.5);
  });

  it('names the file and line of a cue that is not SRT', () => {
    expect(() => parseDjiSrt(`${oldLayout}\n3\nnot a time\n`, 'v.srt')).toThrow(SrtError);
    // oldLayout is 7 lines and a newline; then a blank line, so the bad cue starts on line 9.
    expect(() => parseDjiSrt(`${oldLayout}\n3\nnot a time\n`, 'v.srt')).toThrow(/^v\.srt:9: not an SRT cue/);
  });
});
