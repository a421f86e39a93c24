//go:build amd64 && !purego

#include "textflag.h"

// AVX2 kernel of mda8Days (mda8days.go): the O3 8-hour windows of HJ 663
// §6.1.2, one day per loop step.
//
// A day is 24 int32 hours; the window ending at hour 8+j (j = 0 … 16) is
// hours j … j+7. Lane i of the eight-hour load at hour k holds hour k+i,
// so the eight loads at hours 0 … 7 add up to the windows 0 … 7 (vector
// A) and those at hours 8 … 15 to the windows 8 … 15 (B); the last load
// reads hour 22, inside the day. Window 16 is B' = B + hours 16–23 −
// hours 8–15, the windows 9 … 16 (lane i of B' is window i+8 moved by one
// hour), of which only lane 7 is new.
//
// A day without invalid hours (about 60 % of them) has all 17 windows
// valid with eight hours, so the best mean is the best sum: the maximum
// of A, B and B', reduced across lanes together with the hourly maximum.
//
// A day with invalid hours replaces each hour by min(h, 2^28) as an
// unsigned number: a valid hour below 2^25 stays as it is and an invalid
// (negative) one, 2^31 or more unsigned, becomes 2^28. A window's lane then
// holds its valid sum (below 8·2^25 = 2^28) in bits 0–27 and its number of
// invalid hours in bits 28–31, so one addition per load gives both. A
// window is valid when the invalid count is at most t = 8 − minH; its mean
// sum/(8 − count) ranks as sum·840/(8 − count) (840 = lcm(1 … 8)), and
// window j as the key 32·sum·840/(8 − count) + 31 − j (multipliers
// 32·840/(8 − count) in table mda8Lcm, the 31 − j in mda8Win): a larger
// mean, or the same mean in an earlier window, gives a larger key, so the
// largest key is the first best window, as mda8Scan chooses it. The keys
// are computed in float64, where they are exact (below 2^43). An invalid
// window gets sum −1, so a negative key below every valid one. VMAXPD finds
// the largest key; its low five bits name the window, whose packed sum,
// kept on the stack, gives the window's sum and count.

// 2^28 in each lane: what min(h, 2^28) makes of an invalid hour.
DATA mda8Pen<>+0(SB)/8, $0x1000000010000000
DATA mda8Pen<>+8(SB)/8, $0x1000000010000000
DATA mda8Pen<>+16(SB)/8, $0x1000000010000000
DATA mda8Pen<>+24(SB)/8, $0x1000000010000000
GLOBL mda8Pen<>(SB), RODATA|NOPTR, $32

// 2^28 − 1 in each lane: the sum bits of a packed window.
DATA mda8Low28<>+0(SB)/8, $0x0fffffff0fffffff
DATA mda8Low28<>+8(SB)/8, $0x0fffffff0fffffff
DATA mda8Low28<>+16(SB)/8, $0x0fffffff0fffffff
DATA mda8Low28<>+24(SB)/8, $0x0fffffff0fffffff
GLOBL mda8Low28<>(SB), RODATA|NOPTR, $32

// 32·840/(8 − k) for k = 0 … 7 invalid hours; VPERMD reads the low three
// bits of k, so k = 8 (no valid hour, never a valid window) reads 3,360.
DATA mda8Lcm<>+0(SB)/8, $0x00000f0000000d20  // 3360, 3840
DATA mda8Lcm<>+8(SB)/8, $0x0000150000001180  // 4480, 5376
DATA mda8Lcm<>+16(SB)/8, $0x0000230000001a40  // 6720, 8960
DATA mda8Lcm<>+24(SB)/8, $0x0000690000003480 // 13440, 26880
GLOBL mda8Lcm<>(SB), RODATA|NOPTR, $32

// 31 − j (float64) for the window j of each key lane: A lanes 0–3 and 4–7,
// B lanes 0–3 and 4–7, B' lanes 4–7 (windows 13 … 16).
DATA mda8Win<>+0(SB)/8, $0x403f000000000000 // 31
DATA mda8Win<>+8(SB)/8, $0x403e000000000000 // 30
DATA mda8Win<>+16(SB)/8, $0x403d000000000000 // 29
DATA mda8Win<>+24(SB)/8, $0x403c000000000000 // 28
DATA mda8Win<>+32(SB)/8, $0x403b000000000000 // 27
DATA mda8Win<>+40(SB)/8, $0x403a000000000000 // 26
DATA mda8Win<>+48(SB)/8, $0x4039000000000000 // 25
DATA mda8Win<>+56(SB)/8, $0x4038000000000000 // 24
DATA mda8Win<>+64(SB)/8, $0x4037000000000000 // 23
DATA mda8Win<>+72(SB)/8, $0x4036000000000000 // 22
DATA mda8Win<>+80(SB)/8, $0x4035000000000000 // 21
DATA mda8Win<>+88(SB)/8, $0x4034000000000000 // 20
DATA mda8Win<>+96(SB)/8, $0x4033000000000000 // 19
DATA mda8Win<>+104(SB)/8, $0x4032000000000000 // 18
DATA mda8Win<>+112(SB)/8, $0x4031000000000000 // 17
DATA mda8Win<>+120(SB)/8, $0x4030000000000000 // 16
DATA mda8Win<>+128(SB)/8, $0x4032000000000000 // 18
DATA mda8Win<>+136(SB)/8, $0x4031000000000000 // 17
DATA mda8Win<>+144(SB)/8, $0x4030000000000000 // 16
DATA mda8Win<>+152(SB)/8, $0x402e000000000000 // 15
GLOBL mda8Win<>(SB), RODATA|NOPTR, $160


// PACKSUM adds min(h, 2^28) of the eight hours at off(SI) into ACC (Y15
// holds 2^28; T is scratch).
#define PACKSUM(off, ACC, T) \
	VPMINUD off(SI), Y15, T; \
	VPADDD  T, ACC, ACC

// DECODE splits the packed windows X into their sums (in X, −1 for an
// invalid window), I the invalid counts, V the invalid-window mask (count
// above t) and L the multipliers 840/(8 − count). Y12 holds 2^28 − 1, Y13
// the multiplier table, Y14 the bound t.
#define DECODE(X, I, V, L) \
	VPSRLD   $28, X, I; \
	VPAND    Y12, X, X; \
	VPCMPGTD Y14, I, V; \
	VPOR     V, X, X; \
	VPERMD   Y13, I, L

// KEYSLO writes the keys of lanes 0–3 of the decoded X and L (their XMM
// halves) into K0, with 31 − j from mda8Win+off; T is scratch.
#define KEYSLO(X, L, off, K0, T) \
	VCVTDQ2PD X, K0; \
	VCVTDQ2PD L, T; \
	VMULPD    T, K0, K0; \
	VADDPD    mda8Win<>+off(SB), K0, K0

// KEYSHI writes the keys of lanes 4–7 into K1; X1 and T are scratch.
#define KEYSHI(X, L, off, K1, T) \
	VEXTRACTI128 $1, X, X1; \
	VCVTDQ2PD    X1, K1; \
	VEXTRACTI128 $1, L, X1; \
	VCVTDQ2PD    X1, T; \
	VMULPD       T, K1, K1; \
	VADDPD       mda8Win<>+off(SB), K1, K1

// func mda8DaysAVX2(h *Conc, t int, n1, nw *uint8, bs *int64, bc *uint8, mx *Conc, days int) (done int)
//
// Frame: the packed windows of a day with gaps, window j at 4j (A at 0, B
// at 32, B' at 36: its lanes 0–6 repeat B's lanes 1–7); up to 127 for the
// window a day without valid windows reads.
TEXT ·mda8DaysAVX2(SB), NOSPLIT, $128-72
	MOVQ  h+0(FP), SI
	MOVQ  t+8(FP), BX
	MOVQ  n1+16(FP), R8
	MOVQ  nw+24(FP), R9
	MOVQ  bs+32(FP), R10
	MOVQ  bc+40(FP), R11
	MOVQ  mx+48(FP), R12
	MOVQ  days+56(FP), CX
	XORQ  AX, AX
	TESTQ CX, CX
	JLE   ret

	VMOVD        BX, X14
	VPBROADCASTD X14, Y14
	VMOVDQU      mda8Pen<>(SB), Y15
	VMOVDQU      mda8Low28<>(SB), Y12
	VMOVDQU      mda8Lcm<>(SB), Y13

loop:
	VMOVDQU   (SI), Y0
	VMOVDQU   32(SI), Y1
	VMOVDQU   64(SI), Y2
	VPOR      Y1, Y0, Y3
	VPOR      Y2, Y3, Y3
	VMOVMSKPS Y3, BX
	TESTL     BX, BX
	JNE       gaps

	// Every hour valid: A in Y4, B in Y6, B' in Y7, two chains each.
	VPMAXSD Y1, Y0, Y3
	VPMAXSD Y2, Y3, Y3
	VPADDD  4(SI), Y0, Y4
	VMOVDQU 8(SI), Y5
	VPADDD  12(SI), Y5, Y5
	VPADDD  16(SI), Y4, Y4
	VPADDD  20(SI), Y5, Y5
	VPADDD  24(SI), Y4, Y4
	VPADDD  28(SI), Y5, Y5
	VPADDD  Y5, Y4, Y4
	VPADDD  36(SI), Y1, Y6
	VMOVDQU 40(SI), Y7
	VPADDD  44(SI), Y7, Y7
	VPADDD  48(SI), Y6, Y6
	VPADDD  52(SI), Y7, Y7
	VPADDD  56(SI), Y6, Y6
	VPADDD  60(SI), Y7, Y7
	VPADDD  Y7, Y6, Y6
	VPSUBD  Y1, Y2, Y7
	VPADDD  Y6, Y7, Y7
	VPMAXSD Y6, Y4, Y4
	VPMAXSD Y7, Y4, Y4

	// One reduction for both maxima: the window sums in the low 128-bit
	// half, the hours in the high one.
	VPERM2I128   $0x20, Y3, Y4, Y5
	VPERM2I128   $0x31, Y3, Y4, Y6
	VPMAXSD      Y6, Y5, Y5
	VPSHUFD      $0x4e, Y5, Y6
	VPMAXSD      Y6, Y5, Y5
	VPSHUFD      $0xb1, Y5, Y6
	VPMAXSD      Y6, Y5, Y5
	VEXTRACTI128 $1, Y5, X6
	VMOVD        X6, DX

	// Values of 2^27 or more may have wrapped the 32-bit window sums.
	CMPL  DX, $0x8000000
	JGE   ret
	VMOVD X5, BX
	MOVB  $24, (R8)(AX*1)
	MOVB  $17, (R9)(AX*1)
	MOVQ  BX, (R10)(AX*8)
	MOVB  $8, (R11)(AX*1)
	MOVL  DX, (R12)(AX*4)
	ADDQ  $96, SI
	INCQ  AX
	CMPQ  AX, CX
	JLT   loop
	JMP   ret

gaps:
	// The hourly maximum first: it decides whether the packing holds.
	VPMAXSD      Y1, Y0, Y3
	VPMAXSD      Y2, Y3, Y3
	VEXTRACTI128 $1, Y3, X4
	VPMAXSD      X4, X3, X3
	VPSHUFD      $0x4e, X3, X4
	VPMAXSD      X4, X3, X3
	VPSHUFD      $0xb1, X3, X4
	VPMAXSD      X4, X3, X3
	VMOVD        X3, DX
	CMPL         DX, $0x2000000
	JGE          ret

	// No valid hour leaves a negative maximum: −1 instead.
	MOVL    $-1, BX
	CMPL    DX, $0
	CMOVLLT BX, DX
	MOVL    DX, (R12)(AX*4)

	// Valid hours: 24 minus the sign bits.
	VMOVMSKPS Y0, BX
	VMOVMSKPS Y1, DX
	SHLL      $8, DX
	ORL       DX, BX
	VMOVMSKPS Y2, DX
	SHLL      $16, DX
	ORL       DX, BX
	POPCNTL   BX, BX
	MOVL      $24, DX
	SUBL      BX, DX
	MOVB      DX, (R8)(AX*1)

	// Packed windows: A in Y4, B in Y5, B' in Y6.
	VPMINUD Y0, Y15, Y4
	VPMINUD 4(SI), Y15, Y5
	PACKSUM(8, Y4, Y8)
	PACKSUM(12, Y5, Y9)
	PACKSUM(16, Y4, Y8)
	PACKSUM(20, Y5, Y9)
	PACKSUM(24, Y4, Y8)
	PACKSUM(28, Y5, Y9)
	VPADDD  Y5, Y4, Y4
	VPMINUD Y1, Y15, Y10
	VPMINUD 36(SI), Y15, Y6
	VPADDD  Y10, Y6, Y5
	VPMINUD 40(SI), Y15, Y6
	PACKSUM(44, Y6, Y9)
	PACKSUM(48, Y5, Y8)
	PACKSUM(52, Y6, Y9)
	PACKSUM(56, Y5, Y8)
	PACKSUM(60, Y6, Y9)
	VPADDD  Y6, Y5, Y5
	VPMINUD Y2, Y15, Y11
	VPSUBD  Y10, Y11, Y11
	VPADDD  Y5, Y11, Y6
	VMOVDQU Y4, 0(SP)
	VMOVDQU Y5, 32(SP)
	VMOVDQU Y6, 36(SP)

	// Keys and their running maximum in Y9; the invalid-window masks
	// gather in DI (bit j: window j).
	DECODE(Y4, Y0, Y1, Y2)
	VMOVMSKPS Y1, DI
	KEYSLO(X4, X2, 0, Y3, Y7)
	KEYSHI(Y4, Y2, 32, Y8, Y7)
	VMAXPD    Y8, Y3, Y9

	DECODE(Y5, Y0, Y1, Y2)
	VMOVMSKPS Y1, DX
	SHLL      $8, DX
	ORL       DX, DI
	KEYSLO(X5, X2, 64, Y3, Y7)
	KEYSHI(Y5, Y2, 96, Y8, Y7)
	VMAXPD    Y3, Y9, Y9
	VMAXPD    Y8, Y9, Y9

	DECODE(Y6, Y0, Y1, Y2)
	VMOVMSKPS Y1, DX
	ANDL      $0x80, DX
	SHLL      $9, DX
	ORL       DX, DI
	KEYSHI(Y6, Y2, 128, Y8, Y7)
	VMAXPD    Y8, Y9, Y9

	// The largest key; 31 minus its low five bits is the window. With no
	// valid window the key is negative and the window read is discarded.
	VEXTRACTF128 $1, Y9, X10
	VMAXPD       X10, X9, X9
	VPERMILPD    $1, X9, X10
	VMAXSD       X10, X9, X9
	VCVTTSD2SIQ  X9, BX
	ANDL         $31, BX
	XORL         $31, BX
	MOVL         (SP)(BX*4), DX

	// Valid windows: 17 minus the invalid ones.
	POPCNTL DI, DI
	NEGL    DI
	ADDL    $17, DI

	// Sum and count of the window found; both 0 when no window is valid.
	MOVL    DX, BX
	ANDL    $0x0fffffff, DX
	SHRL    $28, BX
	NEGL    BX
	ADDL    $8, BX
	TESTL   DI, DI
	CMOVLEQ DI, DX
	CMOVLEQ DI, BX
	MOVB    DI, (R9)(AX*1)
	MOVQ    DX, (R10)(AX*8)
	MOVB    BX, (R11)(AX*1)
	ADDQ    $96, SI
	INCQ    AX
	CMPQ    AX, CX
	JLT     loop

ret:
	VZEROUPPER
	MOVQ AX, done+64(FP)
	RET
