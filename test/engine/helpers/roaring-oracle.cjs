// CRoaring (npm `roaring`, a native addon) as an oracle for the portable format. Runs in whatever Node
// the addon was built for: in process when it loads there, else as a child process (see
// roaring-oracle.ts). Protocol: JSON array of requests on stdin, JSON array of answers on stdout.
"use strict";

function handle(roaring, req) {
  const { RoaringBitmap32 } = roaring;
  const fromHex = (h) => RoaringBitmap32.deserialize(Buffer.from(h, "hex"), "portable");
  const hex = (b) => Buffer.from(b.serialize("portable")).toString("hex");
  switch (req.op) {
    case "reserialize": // our bytes → CRoaring → bytes again (must be identical)
      return hex(fromHex(req.hex));
    case "build": {
      // values → CRoaring bitmap (optionally run-optimized) → portable bytes
      const b = new RoaringBitmap32(req.values);
      if (req.runOptimize) b.runOptimize();
      return hex(b);
    }
    case "binary": {
      const a = fromHex(req.a);
      const b = fromHex(req.b);
      const r = RoaringBitmap32[req.fn](a, b);
      r.runOptimize();
      return { hex: hex(r), size: r.size };
    }
    case "version":
      return roaring.CRoaringVersion;
    default:
      throw new Error(`unknown op ${req.op}`);
  }
}

function run(roaring, requests) {
  return requests.map((r) => handle(roaring, r));
}

module.exports = { run };

if (require.main === module) {
  const roaring = require("roaring");
  let input = "";
  process.stdin.on("data", (d) => (input += d));
  process.stdin.on("end", () => process.stdout.write(JSON.stringify(run(roaring, JSON.parse(input)))));
}
