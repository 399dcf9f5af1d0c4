// autocannon ships no types; the bench uses a small, explicitly typed subset (see load.ts).
declare module 'autocannon' {
  const autocannon: (opts: unknown) => Promise<unknown>;
  export default autocannon;
}
