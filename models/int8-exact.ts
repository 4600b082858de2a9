// Whether this CPU runs the int8 detector as it was measured. onnxruntime multiplies uint8
// activations by int8 weights; x86 CPUs without VNNI do it in pairs summed into 16 bits
// (vpmaddubsw), which full-range weights can saturate, so their results drift from the measured
// model. VNNI (AVX512-VNNI or AVX-VNNI) sums into 32 bits, and other architectures have no such
// pair sum. Read from /proc/cpuinfo; a CPU that cannot be read counts as not exact.
import { readFileSync } from 'node:fs';

export interface Int8Check {
  exact: boolean;
  why: string;
}

export function int8ExactOn(cpuinfo: string | undefined): Int8Check {
  if (cpuinfo === undefined) return { exact: false, why: 'the CPU could not be read (/proc/cpuinfo)' };
  const flags = /^flags\s*:(.*)$/m.exec(cpuinfo)?.[1]?.trim().split(/\s+/);
  if (!flags) return { exact: true, why: 'not an x86 CPU: no 16-bit pair sums to saturate' };
  if (flags.includes('avx512_vnni') || flags.includes('avx_vnni')) return { exact: true, why: `this x86 CPU has ${flags.includes('avx512_vnni') ? 'AVX512-VNNI' : 'AVX-VNNI'}` };
  return { exact: false, why: 'this x86 CPU has no VNNI: int8 products can saturate' };
}

export function int8ExactHere(): Int8Check {
  let text: string | undefined;
  try {
    text = readFileSync('/proc/cpuinfo', 'utf8');
  } catch {
    text = undefined;
  }
  return int8ExactOn(text);
}
