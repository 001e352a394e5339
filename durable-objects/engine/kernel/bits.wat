;; Hot loops of the engine over 2048-word (65,536-bit) bitset rows, in WASM SIMD (notes/engine.md §2.2):
;; and/or/andnot with popcount, and the fused bit-sliced range compare. Rows are copied into 8 KiB slots
;; of this module's own 6 MiB memory (never grown, so JS views stay valid); kernel/wasm.ts owns the layout.
;; Regenerate bits.wasm with `node scripts/build-kernel.mjs` (npm wabt); a test checks they match.
(module
  ;; 768 slots of 8192 bytes: 0..762 hold chunks' slices (a chunk: B slices, ints, sign), 763 scope
  ;; (or operand a), 764 out, 765 operand b, 766 the 53 v128 lo masks and, 1024 bytes on, the hi masks.
  (memory (export "memory") 96 96)

  ;; Sum of the bit counts of the four lanes of v, added to acc.
  (func $pop (param $v v128) (param $acc v128) (result v128)
    (i32x4.add (local.get $acc)
      (i32x4.extadd_pairwise_i16x8_u (i16x8.extadd_pairwise_i8x16_u (i8x16.popcnt (local.get $v))))))

  (func $hsum (param $acc v128) (result i32)
    (i32.add
      (i32.add (i32x4.extract_lane 0 (local.get $acc)) (i32x4.extract_lane 1 (local.get $acc)))
      (i32.add (i32x4.extract_lane 2 (local.get $acc)) (i32x4.extract_lane 3 (local.get $acc)))))

  ;; out = a op b (op 0 and, 1 or, 2 andnot) for byte offsets of three slots; answers popcount(out).
  (func (export "binop") (param $a i32) (param $b i32) (param $out i32) (param $op i32) (result i32)
    (local $p i32) (local $x v128) (local $y v128) (local $r v128) (local $acc v128)
    (loop $words
      (local.set $x (v128.load (i32.add (local.get $a) (local.get $p))))
      (local.set $y (v128.load (i32.add (local.get $b) (local.get $p))))
      (local.set $r
        (if (result v128) (i32.eqz (local.get $op))
          (then (v128.and (local.get $x) (local.get $y)))
          (else (if (result v128) (i32.eq (local.get $op) (i32.const 1))
            (then (v128.or (local.get $x) (local.get $y)))
            (else (v128.andnot (local.get $x) (local.get $y)))))))
      (v128.store (i32.add (local.get $out) (local.get $p)) (local.get $r))
      (local.set $acc (call $pop (local.get $r) (local.get $acc)))
      (br_if $words (i32.lt_u (local.tee $p (i32.add (local.get $p) (i32.const 16))) (i32.const 8192))))
    (call $hsum (local.get $acc)))

  ;; popcount(a AND b) without writing anything.
  (func (export "and_count") (param $a i32) (param $b i32) (result i32)
    (local $p i32) (local $acc v128)
    (loop $words
      (local.set $acc (call $pop
        (v128.and (v128.load (i32.add (local.get $a) (local.get $p))) (v128.load (i32.add (local.get $b) (local.get $p))))
        (local.get $acc)))
      (br_if $words (i32.lt_u (local.tee $p (i32.add (local.get $p) (i32.const 16))) (i32.const 8192))))
    (call $hsum (local.get $acc)))

  ;; Bit-sliced range compare (O'Neil & Quass), word-major so each 4-word group keeps its state in
  ;; registers and stops once every entity in it is decided. mask = ints & scope & (neg ? sign : ~sign);
  ;; OR-s the members whose magnitude is >= lo (if useLo) and <= hi (if useHi) into out; answers how
  ;; many it added. Slice j's lo/hi bits arrive as all-ones/zero v128 masks.
  ;; $base is the byte offset of the chunk's first slice; its ints and sign rows follow the slices.
  (func (export "bsi_range") (param $base i32) (param $nSlices i32) (param $useLo i32) (param $useHi i32) (param $neg i32) (result i32)
    (local $ints i32) (local $sign i32)
    (local $p i32) (local $j i32) (local $m v128) (local $x v128) (local $lm v128) (local $hm v128)
    (local $gt v128) (local $eqL v128) (local $lt v128) (local $eqH v128) (local $r v128) (local $acc v128)
    (local $negV v128) (local $loV v128) (local $hiV v128)
    (local.set $ints (i32.add (local.get $base) (i32.shl (local.get $nSlices) (i32.const 13))))
    (local.set $sign (i32.add (local.get $ints) (i32.const 8192)))
    (local.set $negV (i32x4.splat (i32.sub (i32.const 0) (local.get $neg))))
    (local.set $loV (i32x4.splat (i32.sub (i32.const 0) (local.get $useLo))))
    (local.set $hiV (i32x4.splat (i32.sub (i32.const 0) (local.get $useHi))))
    (loop $words
      (local.set $m (v128.andnot
        (v128.and (v128.load (i32.add (local.get $ints) (local.get $p))) (v128.load offset=6250496 (local.get $p)))
        (v128.xor (v128.load (i32.add (local.get $sign) (local.get $p))) (local.get $negV))))
      (if (v128.any_true (local.get $m))
        (then
          (local.set $gt (v128.const i64x2 0 0))
          (local.set $lt (v128.const i64x2 0 0))
          (local.set $eqL (v128.and (local.get $m) (local.get $loV)))
          (local.set $eqH (v128.and (local.get $m) (local.get $hiV)))
          (local.set $j (local.get $nSlices))
          (block $decided
            (loop $slices
              (br_if $decided (i32.eqz (local.get $j)))
              (local.set $j (i32.sub (local.get $j) (i32.const 1)))
              (local.set $x (v128.load (i32.add (local.get $base) (i32.add (i32.shl (local.get $j) (i32.const 13)) (local.get $p)))))
              (local.set $lm (v128.load offset=6275072 (i32.shl (local.get $j) (i32.const 4))))
              (local.set $hm (v128.load offset=6276096 (i32.shl (local.get $j) (i32.const 4))))
              (local.set $gt (v128.or (local.get $gt) (v128.andnot (v128.and (local.get $eqL) (local.get $x)) (local.get $lm))))
              (local.set $eqL (v128.andnot (local.get $eqL) (v128.xor (local.get $x) (local.get $lm))))
              (local.set $lt (v128.or (local.get $lt) (v128.and (v128.andnot (local.get $eqH) (local.get $x)) (local.get $hm))))
              (local.set $eqH (v128.andnot (local.get $eqH) (v128.xor (local.get $x) (local.get $hm))))
              (br_if $slices (v128.any_true (v128.or (local.get $eqL) (local.get $eqH))))))
          (local.set $r (v128.and
            (v128.bitselect (v128.or (local.get $gt) (local.get $eqL)) (local.get $m) (local.get $loV))
            (v128.bitselect (v128.or (local.get $lt) (local.get $eqH)) (local.get $m) (local.get $hiV))))
          (v128.store offset=6258688 (local.get $p) (v128.or (v128.load offset=6258688 (local.get $p)) (local.get $r)))
          (local.set $acc (call $pop (local.get $r) (local.get $acc)))))
      (br_if $words (i32.lt_u (local.tee $p (i32.add (local.get $p) (i32.const 16))) (i32.const 8192))))
    (call $hsum (local.get $acc)))
)
