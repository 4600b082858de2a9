// How alike two appearance embeddings are: the cosine of unit vectors, 1 for the same look, around
// 0.5-0.8 for two different cars of one kind (see the measurement in pipeline/embed/embedder.ts).
export function similarity(a: Float32Array, b: Float32Array): number {
  if (a.length !== b.length) throw new Error(`embeddings of different lengths (${a.length} and ${b.length}) cannot be compared`);
  let dot = 0;
  for (let i = 0; i < a.length; i++) dot += a[i]! * b[i]!;
  return dot;
}
