//go:build amd64 && !purego

#include "textflag.h"

// AVX2 kernels of daySums and daySumsMax (daysum.go): the sum and number
// of each day's valid (non-negative) hourly values, which GB 3095 表4
// daily means need, eight days per loop step.
//
// A day is 24 int32 values, three 256-bit vectors X0, X1, X2 (lane i of
// Xk is hour 8k+i). Per vector, VPMAXSD with zero clears the invalid
// (negative) values and VPCMPGTD of zero against the value gives -1 for
// each invalid one; both read the day from memory, so a day costs twelve
// instructions. The day's 8-lane sum S and invalid-count C are reduced
// across the eight days of a block at once: three levels of VPHADDD and a
// cross-lane VPERM2I128 turn the eight S (or C) vectors into one vector
// holding the eight day totals, where a reduction per day would take
// seven instructions for each.
//
// The lane sums are 32-bit. They are exact when the valid values are
// small, which the block checks with one VPTEST; a block that fails is
// left undone (the kernels return the number of blocks done) and the Go
// caller sums it exactly.

// 0xF0000000 in each lane: bits 28–31.
DATA daysumHigh28<>+0(SB)/8, $0xf0000000f0000000
DATA daysumHigh28<>+8(SB)/8, $0xf0000000f0000000
DATA daysumHigh28<>+16(SB)/8, $0xf0000000f0000000
DATA daysumHigh28<>+24(SB)/8, $0xf0000000f0000000
GLOBL daysumHigh28<>(SB), RODATA|NOPTR, $32

// 0xF8000000 in each lane: bits 27–31.
DATA daysumHigh27<>+0(SB)/8, $0xf8000000f8000000
DATA daysumHigh27<>+8(SB)/8, $0xf8000000f8000000
DATA daysumHigh27<>+16(SB)/8, $0xf8000000f8000000
DATA daysumHigh27<>+24(SB)/8, $0xf8000000f8000000
GLOBL daysumHigh27<>(SB), RODATA|NOPTR, $32

// 24 in each lane: valid hours = 24 + (minus the invalid ones).
DATA daysum24<>+0(SB)/8, $0x0000001800000018
DATA daysum24<>+8(SB)/8, $0x0000001800000018
DATA daysum24<>+16(SB)/8, $0x0000001800000018
DATA daysum24<>+24(SB)/8, $0x0000001800000018
GLOBL daysum24<>(SB), RODATA|NOPTR, $32

// DAYSUM sums the day at off(SI) into S (8 lane sums) and C (8 lanes of
// minus the invalid count), with Y15 zero and Y0–Y3 scratch. Y0 and Y2
// keep the pairwise sum V0+V1 and V2, for the caller's range check.
#define DAYSUM(off, S, C) \
	VPMAXSD  (off)(SI), Y15, Y0; \
	VPMAXSD  (off+32)(SI), Y15, Y1; \
	VPMAXSD  (off+64)(SI), Y15, Y2; \
	VPCMPGTD (off)(SI), Y15, C; \
	VPCMPGTD (off+32)(SI), Y15, Y3; \
	VPADDD   Y3, C, C; \
	VPCMPGTD (off+64)(SI), Y15, Y3; \
	VPADDD   Y3, C, C; \
	VPADDD   Y1, Y0, Y0; \
	VPADDD   Y2, Y0, S

// DAYCHECK is DAYSUM followed by or-ing V0+V1 and V2 into Y14: when
// neither reaches 2^28 in any lane, each lane sum is below 2^29 and the
// day's total below 2^32.
#define DAYCHECK(off, S, C) \
	DAYSUM(off, S, C); \
	VPOR Y0, Y14, Y14; \
	VPOR Y2, Y14, Y14

// DAYMAX sums the day at off(SI) into S and C as DAYSUM does and writes
// the lane maxima of its valid values into M (invalid values count as 0).
// M may be Y0.
#define DAYMAX(off, S, C, M) \
	VPMAXSD  (off)(SI), Y15, Y0; \
	VPMAXSD  (off+32)(SI), Y15, Y1; \
	VPMAXSD  (off+64)(SI), Y15, Y2; \
	VPCMPGTD (off)(SI), Y15, C; \
	VPCMPGTD (off+32)(SI), Y15, Y3; \
	VPADDD   Y3, C, C; \
	VPCMPGTD (off+64)(SI), Y15, Y3; \
	VPADDD   Y3, C, C; \
	VPADDD   Y1, Y0, S; \
	VPADDD   Y2, S, S; \
	VPMAXSD  Y1, Y0, M; \
	VPMAXSD  Y2, M, M

// MAXPAIR is the first level of the maximum reduction, the counterpart of
// VPHADDD A, B: per 128-bit half, [max(a0,a2) max(b0,b2) max(a1,a3)
// max(b1,b3)]; T1 and T2 are scratch.
#define MAXPAIR(A, B, OUT, T1, T2) \
	VPUNPCKLDQ B, A, T1; \
	VPUNPCKHDQ B, A, T2; \
	VPMAXSD    T2, T1, OUT

// MAXQUAD is the second level, the counterpart of VPHADDD on two MAXPAIR
// results.
#define MAXQUAD(A, B, OUT, T1, T2) \
	VPUNPCKLQDQ B, A, T1; \
	VPUNPCKHQDQ B, A, T2; \
	VPMAXSD     T2, T1, OUT

// STORESUMS writes the eight day sums in Y0 (uint32) to (DI) as int64 and
// the eight counts 24 + Y1 to (DX) as bytes; Y2 is scratch.
#define STORESUMS \
	VEXTRACTI128 $1, Y0, X2; \
	VPMOVZXDQ    X0, Y0; \
	VPMOVZXDQ    X2, Y2; \
	VMOVDQU      Y0, (DI); \
	VMOVDQU      Y2, 32(DI); \
	VEXTRACTI128 $1, Y1, X2; \
	VPACKUSDW    X2, X1, X1; \
	VPACKUSWB    X1, X1, X1; \
	VMOVQ        X1, (DX)

// func daySumsAVX2(h *Conc, sum *int64, n *uint8, blocks int) (done int)
TEXT ·daySumsAVX2(SB), NOSPLIT, $0-40
	MOVQ  h+0(FP), SI
	MOVQ  sum+8(FP), DI
	MOVQ  n+16(FP), DX
	MOVQ  blocks+24(FP), CX
	XORQ  AX, AX
	TESTQ CX, CX
	JLE   sumsRet
	VPXOR Y15, Y15, Y15

sumsLoop:
	// Days 0–3: S in Y4, C in Y5 (each level of VPHADDD halves the
	// vectors), Y14 the range check.
	VPXOR   Y14, Y14, Y14
	DAYCHECK(0, Y4, Y5)
	DAYCHECK(96, Y6, Y7)
	VPHADDD Y6, Y4, Y4
	VPHADDD Y7, Y5, Y5
	DAYCHECK(192, Y6, Y7)
	DAYCHECK(288, Y8, Y9)
	VPHADDD Y8, Y6, Y6
	VPHADDD Y9, Y7, Y7
	VPHADDD Y6, Y4, Y4
	VPHADDD Y7, Y5, Y5

	// Days 4–7 into Y6, Y7.
	DAYCHECK(384, Y6, Y7)
	DAYCHECK(480, Y8, Y9)
	VPHADDD Y8, Y6, Y6
	VPHADDD Y9, Y7, Y7
	DAYCHECK(576, Y8, Y9)
	DAYCHECK(672, Y10, Y11)
	VPHADDD Y10, Y8, Y8
	VPHADDD Y11, Y9, Y9
	VPHADDD Y8, Y6, Y6
	VPHADDD Y9, Y7, Y7

	VPTEST daysumHigh28<>(SB), Y14
	JNE    sumsRet

	// Each 128-bit half holds the four days' partial sums over its lanes:
	// adding the low halves to the high ones gives days 0–7 in order.
	VPERM2I128 $0x20, Y6, Y4, Y0
	VPERM2I128 $0x31, Y6, Y4, Y1
	VPADDD     Y1, Y0, Y0
	VPERM2I128 $0x20, Y7, Y5, Y1
	VPERM2I128 $0x31, Y7, Y5, Y2
	VPADDD     Y2, Y1, Y1
	VPADDD     daysum24<>(SB), Y1, Y1
	STORESUMS

	ADDQ $768, SI
	ADDQ $64, DI
	ADDQ $8, DX
	INCQ AX
	CMPQ AX, CX
	JLT  sumsLoop

sumsRet:
	VZEROUPPER
	MOVQ AX, done+32(FP)
	RET

// func daySumsMaxAVX2(h *Conc, sum *int64, n *uint8, mx *Conc, blocks int) (done int)
TEXT ·daySumsMaxAVX2(SB), NOSPLIT, $0-48
	MOVQ  h+0(FP), SI
	MOVQ  sum+8(FP), DI
	MOVQ  n+16(FP), DX
	MOVQ  mx+24(FP), R8
	MOVQ  blocks+32(FP), CX
	XORQ  AX, AX
	TESTQ CX, CX
	JLE   maxRet
	VPXOR Y15, Y15, Y15

maxLoop:
	// Days 0–3: S in Y4, C in Y5, maxima in Y6. The day maxima replace
	// the range check: a block whose largest valid value is below 2^27
	// has lane sums below 3·2^27 and day totals below 2^32.
	DAYMAX(0, Y4, Y5, Y6)
	DAYMAX(96, Y7, Y8, Y9)
	VPHADDD Y7, Y4, Y4
	VPHADDD Y8, Y5, Y5
	MAXPAIR(Y6, Y9, Y6, Y0, Y1)
	DAYMAX(192, Y7, Y8, Y9)
	DAYMAX(288, Y10, Y11, Y12)
	VPHADDD Y10, Y7, Y7
	VPHADDD Y11, Y8, Y8
	MAXPAIR(Y9, Y12, Y9, Y0, Y1)
	VPHADDD Y7, Y4, Y4
	VPHADDD Y8, Y5, Y5
	MAXQUAD(Y6, Y9, Y6, Y0, Y1)

	// Days 4–7 into Y7, Y8, Y9; all sixteen registers are live at day 7.
	DAYMAX(384, Y7, Y8, Y9)
	DAYMAX(480, Y10, Y11, Y12)
	VPHADDD Y10, Y7, Y7
	VPHADDD Y11, Y8, Y8
	MAXPAIR(Y9, Y12, Y9, Y0, Y1)
	DAYMAX(576, Y10, Y11, Y12)
	DAYMAX(672, Y13, Y14, Y0)
	VPHADDD Y13, Y10, Y10
	VPHADDD Y14, Y11, Y11
	MAXPAIR(Y12, Y0, Y12, Y1, Y2)
	VPHADDD Y10, Y7, Y7
	VPHADDD Y11, Y8, Y8
	MAXQUAD(Y9, Y12, Y9, Y0, Y1)

	VPERM2I128 $0x20, Y9, Y6, Y0
	VPERM2I128 $0x31, Y9, Y6, Y1
	VPMAXSD    Y1, Y0, Y2
	VPTEST     daysumHigh27<>(SB), Y2
	JNE        maxRet

	VPERM2I128 $0x20, Y7, Y4, Y0
	VPERM2I128 $0x31, Y7, Y4, Y1
	VPADDD     Y1, Y0, Y0
	VPERM2I128 $0x20, Y8, Y5, Y1
	VPERM2I128 $0x31, Y8, Y5, Y3
	VPADDD     Y3, Y1, Y1
	VPADDD     daysum24<>(SB), Y1, Y1

	// A day without valid values has maximum 0 from the cleared lanes:
	// it is -1 instead.
	VPCMPEQD Y15, Y1, Y3
	VPOR     Y3, Y2, Y2
	VMOVDQU  Y2, (R8)
	STORESUMS

	ADDQ $768, SI
	ADDQ $64, DI
	ADDQ $8, DX
	ADDQ $32, R8
	INCQ AX
	CMPQ AX, CX
	JLT  maxLoop

maxRet:
	VZEROUPPER
	MOVQ AX, done+40(FP)
	RET
