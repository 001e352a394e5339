;; Hot loops of the engine over 2048-word (65,536-bit) bitset rows, in WASM SIMD (notes/engine.md §2.2):
;; and/or/andnot with popcount, the fused bit-sliced range compare and bit-sliced score counters. Rows
;; are copied into 8 KiB slots of this module's own 6 MiB memory (never grown, so JS views stay valid);
;; kernel/wasm.ts owns the layout.
;; Regenerate bits.wasm with `node scripts/build-kernel.mjs` (npm wabt); a test checks they match.
(module
  ;; 768 slots of 8192 bytes: 0..738 hold chunks' slices (a chunk: B slices, ints, sign), 739..746
  ;; scratch rows that JS views in place (WordKernel.rows), 747..762 score counters, 763 scope (or
  ;; operand a), 764 out, 765 operand b, 766 the 53 v128 lo masks and, 1024 bytes on, the hi masks.
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
  ;; counts the members whose magnitude is >= lo (if useLo) and <= hi (if useHi) and, if $write, OR-s
  ;; them into the row at $out. Slice j's lo/hi bits arrive as all-ones/zero v128 masks. $base is the
  ;; byte offset of the chunk's first slice; its ints and sign rows follow the slices. $scope is a row's
  ;; byte offset: the A slot, or the chunk's own ints row (a count over the whole chunk copies nothing).
  (func (export "bsi_range") (param $base i32) (param $nSlices i32) (param $useLo i32) (param $useHi i32) (param $neg i32)
        (param $scope i32) (param $out i32) (param $write i32) (result i32)
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
        (v128.and (v128.load (i32.add (local.get $ints) (local.get $p))) (v128.load (i32.add (local.get $scope) (local.get $p))))
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
          (if (local.get $write)
            (then (v128.store (i32.add (local.get $out) (local.get $p))
              (v128.or (v128.load (i32.add (local.get $out) (local.get $p))) (local.get $r)))))
          ;; $pop written out: V8 does not inline calls between wasm functions here (measured).
          (local.set $acc (i32x4.add (local.get $acc)
            (i32x4.extadd_pairwise_i16x8_u (i16x8.extadd_pairwise_i8x16_u (i8x16.popcnt (local.get $r))))))))
      (br_if $words (i32.lt_u (local.tee $p (i32.add (local.get $p) (i32.const 16))) (i32.const 8192))))
    (call $hsum (local.get $acc)))

  ;; Score counters: $bits rows from byte offset $base (least significant first) hold a bit-sliced count
  ;; per entity. Adds 1 for every member of the row at $carry (which it overwrites), slice by slice over
  ;; whole rows (a ripple-carry add, branch-free inside a row) until no word carries any more.
  (func (export "ctr_add") (param $carry i32) (param $base i32) (param $bits i32)
    (local $j i32) (local $p i32) (local $row i32) (local $s v128) (local $c v128) (local $n v128) (local $any v128)
    (block $done
      (loop $slices
        (br_if $done (i32.ge_u (local.get $j) (local.get $bits)))
        (local.set $row (i32.add (local.get $base) (i32.shl (local.get $j) (i32.const 13))))
        (local.set $any (v128.const i64x2 0 0))
        (local.set $p (i32.const 0))
        (loop $words
          (local.set $s (v128.load (i32.add (local.get $row) (local.get $p))))
          (local.set $c (v128.load (i32.add (local.get $carry) (local.get $p))))
          (v128.store (i32.add (local.get $row) (local.get $p)) (v128.xor (local.get $s) (local.get $c)))
          (local.set $n (v128.and (local.get $s) (local.get $c)))
          (v128.store (i32.add (local.get $carry) (local.get $p)) (local.get $n))
          (local.set $any (v128.or (local.get $any) (local.get $n)))
          (br_if $words (i32.lt_u (local.tee $p (i32.add (local.get $p) (i32.const 16))) (i32.const 8192))))
        (br_if $done (i32.eqz (v128.any_true (local.get $any))))
        (local.set $j (i32.add (local.get $j) (i32.const 1)))
        (br $slices))))

  ;; How many entities of the counters at $base ($bits rows) count exactly $level; with $write, the row
  ;; at $out gets them. Per slice, a level bit of 1 keeps the entities with the slice bit, 0 those without.
  (func (export "ctr_level") (param $base i32) (param $bits i32) (param $level i32) (param $out i32) (param $write i32) (result i32)
    (local $p i32) (local $j i32) (local $m v128) (local $acc v128)
    (loop $words
      (local.set $m (v128.const i32x4 -1 -1 -1 -1))
      (local.set $j (i32.const 0))
      (block $done
        (loop $slices
          (br_if $done (i32.ge_u (local.get $j) (local.get $bits)))
          ;; s ^ 0 = s for a level bit of 1, s ^ ~0 = ~s for a 0.
          (local.set $m (v128.and (local.get $m)
            (v128.xor
              (v128.load (i32.add (i32.add (local.get $base) (i32.shl (local.get $j) (i32.const 13))) (local.get $p)))
              (i32x4.splat (i32.sub (i32.and (i32.shr_u (local.get $level) (local.get $j)) (i32.const 1)) (i32.const 1))))))
          (local.set $j (i32.add (local.get $j) (i32.const 1)))
          (br $slices)))
      (if (local.get $write) (then (v128.store (i32.add (local.get $out) (local.get $p)) (local.get $m))))
      ;; $pop written out: V8 does not inline calls between wasm functions here (measured).
      (local.set $acc (i32x4.add (local.get $acc)
        (i32x4.extadd_pairwise_i16x8_u (i16x8.extadd_pairwise_i8x16_u (i8x16.popcnt (local.get $m))))))
      (br_if $words (i32.lt_u (local.tee $p (i32.add (local.get $p) (i32.const 16))) (i32.const 8192))))
    (call $hsum (local.get $acc)))
)
