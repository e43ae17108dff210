// Preloaded with `node --import` into a CLI under test: this process's clock runs CREDIT_EDGE_TEST_CLOCK_SKEW_MS
// ahead (or behind, if negative), as a host with a wrong clock would. Date.now(), new Date() and Date() all
// see it; the databases' clocks (workerd, the D1 stand-in) are other processes and do not.
const skew = Number(process.env.CREDIT_EDGE_TEST_CLOCK_SKEW_MS ?? 0);
if (skew !== 0) {
  const RealDate = Date;
  const now = () => RealDate.now() + skew;
  class SkewedDate extends RealDate {
    constructor(...args) {
      if (args.length === 0) super(now());
      else super(...args);
    }
    static now() {
      return now();
    }
  }
  globalThis.Date = SkewedDate;
}
