//go:build amd64 && !purego

#include "textflag.h"

// The SHA-256 round constants K0 to K63, four to a vector.
DATA shaK<>+0x00(SB)/8, $0x71374491428a2f98
DATA shaK<>+0x08(SB)/8, $0xe9b5dba5b5c0fbcf
DATA shaK<>+0x10(SB)/8, $0x59f111f13956c25b
DATA shaK<>+0x18(SB)/8, $0xab1c5ed5923f82a4
DATA shaK<>+0x20(SB)/8, $0x12835b01d807aa98
DATA shaK<>+0x28(SB)/8, $0x550c7dc3243185be
DATA shaK<>+0x30(SB)/8, $0x80deb1fe72be5d74
DATA shaK<>+0x38(SB)/8, $0xc19bf1749bdc06a7
DATA shaK<>+0x40(SB)/8, $0xefbe4786e49b69c1
DATA shaK<>+0x48(SB)/8, $0x240ca1cc0fc19dc6
DATA shaK<>+0x50(SB)/8, $0x4a7484aa2de92c6f
DATA shaK<>+0x58(SB)/8, $0x76f988da5cb0a9dc
DATA shaK<>+0x60(SB)/8, $0xa831c66d983e5152
DATA shaK<>+0x68(SB)/8, $0xbf597fc7b00327c8
DATA shaK<>+0x70(SB)/8, $0xd5a79147c6e00bf3
DATA shaK<>+0x78(SB)/8, $0x1429296706ca6351
DATA shaK<>+0x80(SB)/8, $0x2e1b213827b70a85
DATA shaK<>+0x88(SB)/8, $0x53380d134d2c6dfc
DATA shaK<>+0x90(SB)/8, $0x766a0abb650a7354
DATA shaK<>+0x98(SB)/8, $0x92722c8581c2c92e
DATA shaK<>+0xa0(SB)/8, $0xa81a664ba2bfe8a1
DATA shaK<>+0xa8(SB)/8, $0xc76c51a3c24b8b70
DATA shaK<>+0xb0(SB)/8, $0xd6990624d192e819
DATA shaK<>+0xb8(SB)/8, $0x106aa070f40e3585
DATA shaK<>+0xc0(SB)/8, $0x1e376c0819a4c116
DATA shaK<>+0xc8(SB)/8, $0x34b0bcb52748774c
DATA shaK<>+0xd0(SB)/8, $0x4ed8aa4a391c0cb3
DATA shaK<>+0xd8(SB)/8, $0x682e6ff35b9cca4f
DATA shaK<>+0xe0(SB)/8, $0x78a5636f748f82ee
DATA shaK<>+0xe8(SB)/8, $0x8cc7020884c87814
DATA shaK<>+0xf0(SB)/8, $0xa4506ceb90befffa
DATA shaK<>+0xf8(SB)/8, $0xc67178f2bef9a3f7
GLOBL shaK<>(SB), RODATA|NOPTR, $256

// Message words 8 to 15 of every block hmacChains hashes: a 32-byte
// message after the 64-byte pad block is followed by the 0x80 byte, zeros
// and the length, 96*8 bits.
DATA padW<>+0x00(SB)/8, $0x0000000080000000
DATA padW<>+0x08(SB)/8, $0x0000000000000000
DATA padW<>+0x10(SB)/8, $0x0000000000000000
DATA padW<>+0x18(SB)/8, $0x0000030000000000
GLOBL padW<>(SB), RODATA|NOPTR, $32

// padW plus K8 to K15.
DATA padWK<>+0x00(SB)/8, $0x12835b015807aa98
DATA padWK<>+0x08(SB)/8, $0x550c7dc3243185be
DATA padWK<>+0x10(SB)/8, $0x80deb1fe72be5d74
DATA padWK<>+0x18(SB)/8, $0xc19bf4749bdc06a7
GLOBL padWK<>(SB), RODATA|NOPTR, $32

// RNDS4 runs four rounds on the state (abef, cdgh); X0 holds W+K, the
// upper half of which is also at hi.
#define RNDS4(abef, cdgh, hi) \
	SHA256RNDS2 X0, abef, cdgh; \
	MOVQ        hi, X0; \
	SHA256RNDS2 X0, cdgh, abef

// KQUAD runs four rounds whose W+K is the constant wk, upper half hi.
#define KQUAD(abef, cdgh, wk, hi) \
	MOVO wk, X0; \
	RNDS4(abef, cdgh, hi)

// QUAD runs four rounds on the message vector msg with constants k; W+K
// goes through wk, upper half hi.
#define QUAD(abef, cdgh, msg, k, wk, hi) \
	MOVO  msg, X0; \
	PADDD k, X0; \
	MOVO  X0, wk; \
	RNDS4(abef, cdgh, hi)

// SCHEDQUAD computes message vector next from last (in a register) and
// the three before it (m2, m3, m4 back, in memory), stores it in slot and
// runs its four rounds.
#define SCHEDQUAD(abef, cdgh, last, next, m4, m3, m2, slot, k, wk, hi) \
	MOVO       m4, next; \
	SHA256MSG1 m3, next; \
	MOVO       last, X13; \
	PALIGNR    $4, m2, X13; \
	PADDD      X13, next; \
	SHA256MSG2 last, next; \
	MOVO       next, slot; \
	QUAD(abef, cdgh, next, k, wk, hi)

// DIGEST turns the state (abef, cdgh) into message vectors m0 (words a-d)
// and m1 (words e-h).
#define DIGEST(abef, cdgh, m0, m1) \
	MOVO       abef, m0; \
	PUNPCKHQDQ cdgh, m0; \
	PSHUFD     $0xb1, m0, m0; \
	MOVO       abef, m1; \
	PUNPCKLQDQ cdgh, m1; \
	PSHUFD     $0xb1, m1, m1

// XORT XORs the message vector m into the 16 bytes at off(BX).
#define XORT(m, off) \
	MOVOU off(BX), X0; \
	PXOR  m, X0; \
	MOVOU X0, off(BX)

// func hmacChains(pads *hmacPads, u, t *[chains][8]uint32, n int)
//
// Three chains A, B, C, each in its own registers:
//   X1,X2 X3,X4 X5,X6     state as ABEF, CDGH
//   X7,X8 X9,X10 X11,X12  message vectors, odd and even
// X0 is W+K for SHA256RNDS2, X13 scratch. AX points at 16-byte aligned
// locals: the pads (inner ABEF, CDGH, outer ABEF, CDGH) at 0-63, four
// message vector slots per chain at 64, 128 and 192, and the W+K of each
// chain at 256, 272 and 288. DX points at the pad state of the compression
// under way, BX at t, DI at u, CX counts iterations.
TEXT ·hmacChains(SB), NOSPLIT, $320-32
	MOVQ pads+0(FP), SI
	MOVQ u+8(FP), DI
	MOVQ t+16(FP), BX
	MOVQ n+24(FP), CX
	LEAQ 15(SP), AX
	ANDQ $-16, AX

	MOVOU 0(SI), X0
	MOVO  X0, 0(AX)
	MOVOU 16(SI), X0
	MOVO  X0, 16(AX)
	MOVOU 32(SI), X0
	MOVO  X0, 32(AX)
	MOVOU 48(SI), X0
	MOVO  X0, 48(AX)

	MOVOU 0(DI), X8
	MOVOU 16(DI), X7
	MOVOU 32(DI), X10
	MOVOU 48(DI), X9
	MOVOU 64(DI), X12
	MOVOU 80(DI), X11
	MOVQ  AX, DX

compress:
	MOVO 0(DX), X1
	MOVO 16(DX), X2
	MOVO X1, X3
	MOVO X2, X4
	MOVO X1, X5
	MOVO X2, X6
	MOVO X8, 64(AX)
	MOVO X7, 80(AX)
	MOVO X10, 128(AX)
	MOVO X9, 144(AX)
	MOVO X12, 192(AX)
	MOVO X11, 208(AX)

	// Rounds 0 to 15: the message, then the constant padding, which also
	// goes to the slots of message vectors 2 and 3.
	QUAD(X1, X2, X8, shaK<>+0(SB), 256(AX), 264(AX))
	QUAD(X3, X4, X10, shaK<>+0(SB), 272(AX), 280(AX))
	QUAD(X5, X6, X12, shaK<>+0(SB), 288(AX), 296(AX))
	QUAD(X1, X2, X7, shaK<>+16(SB), 256(AX), 264(AX))
	QUAD(X3, X4, X9, shaK<>+16(SB), 272(AX), 280(AX))
	QUAD(X5, X6, X11, shaK<>+16(SB), 288(AX), 296(AX))
	KQUAD(X1, X2, padWK<>+0(SB), padWK<>+8(SB))
	KQUAD(X3, X4, padWK<>+0(SB), padWK<>+8(SB))
	KQUAD(X5, X6, padWK<>+0(SB), padWK<>+8(SB))
	KQUAD(X1, X2, padWK<>+16(SB), padWK<>+24(SB))
	KQUAD(X3, X4, padWK<>+16(SB), padWK<>+24(SB))
	KQUAD(X5, X6, padWK<>+16(SB), padWK<>+24(SB))
	MOVO padW<>+0(SB), X13
	MOVO X13, 96(AX)
	MOVO X13, 160(AX)
	MOVO X13, 224(AX)
	MOVO padW<>+16(SB), X7
	MOVO padW<>+16(SB), X9
	MOVO padW<>+16(SB), X11
	MOVO X7, 112(AX)
	MOVO X9, 176(AX)
	MOVO X11, 240(AX)

	// Rounds 16 to 63, sixteen at a time: message vector q goes to slot
	// q mod 4, and to X8, X10, X12 when q is even, X7, X9, X11 when odd.
	LEAQ shaK<>+64(SB), R9
	MOVQ $3, R10

schedule:
	SCHEDQUAD(X1, X2, X7, X8, 64(AX), 80(AX), 96(AX), 64(AX), 0(R9), 256(AX), 264(AX))
	SCHEDQUAD(X3, X4, X9, X10, 128(AX), 144(AX), 160(AX), 128(AX), 0(R9), 272(AX), 280(AX))
	SCHEDQUAD(X5, X6, X11, X12, 192(AX), 208(AX), 224(AX), 192(AX), 0(R9), 288(AX), 296(AX))
	SCHEDQUAD(X1, X2, X8, X7, 80(AX), 96(AX), 112(AX), 80(AX), 16(R9), 256(AX), 264(AX))
	SCHEDQUAD(X3, X4, X10, X9, 144(AX), 160(AX), 176(AX), 144(AX), 16(R9), 272(AX), 280(AX))
	SCHEDQUAD(X5, X6, X12, X11, 208(AX), 224(AX), 240(AX), 208(AX), 16(R9), 288(AX), 296(AX))
	SCHEDQUAD(X1, X2, X7, X8, 96(AX), 112(AX), 64(AX), 96(AX), 32(R9), 256(AX), 264(AX))
	SCHEDQUAD(X3, X4, X9, X10, 160(AX), 176(AX), 128(AX), 160(AX), 32(R9), 272(AX), 280(AX))
	SCHEDQUAD(X5, X6, X11, X12, 224(AX), 240(AX), 192(AX), 224(AX), 32(R9), 288(AX), 296(AX))
	SCHEDQUAD(X1, X2, X8, X7, 112(AX), 64(AX), 80(AX), 112(AX), 48(R9), 256(AX), 264(AX))
	SCHEDQUAD(X3, X4, X10, X9, 176(AX), 128(AX), 144(AX), 176(AX), 48(R9), 272(AX), 280(AX))
	SCHEDQUAD(X5, X6, X12, X11, 240(AX), 192(AX), 208(AX), 240(AX), 48(R9), 288(AX), 296(AX))
	ADDQ $64, R9
	DECQ R10
	JNZ  schedule

	PADDD 0(DX), X1
	PADDD 16(DX), X2
	PADDD 0(DX), X3
	PADDD 16(DX), X4
	PADDD 0(DX), X5
	PADDD 16(DX), X6
	DIGEST(X1, X2, X8, X7)
	DIGEST(X3, X4, X10, X9)
	DIGEST(X5, X6, X12, X11)

	// After the inner hash, the outer one; after the outer, the next U.
	ADDQ $32, DX
	LEAQ 64(AX), SI
	CMPQ DX, SI
	JNE  compress

	XORT(X8, 0)
	XORT(X7, 16)
	XORT(X10, 32)
	XORT(X9, 48)
	XORT(X12, 64)
	XORT(X11, 80)
	MOVQ AX, DX
	DECQ CX
	JNZ  compress

	MOVOU X8, 0(DI)
	MOVOU X7, 16(DI)
	MOVOU X10, 32(DI)
	MOVOU X9, 48(DI)
	MOVOU X12, 64(DI)
	MOVOU X11, 80(DI)
	RET

// func cpuid(leaf, sub uint32) (eax, ebx, ecx, edx uint32)
TEXT ·cpuid(SB), NOSPLIT, $0-24
	MOVL leaf+0(FP), AX
	MOVL sub+4(FP), CX
	CPUID
	MOVL AX, eax+8(FP)
	MOVL BX, ebx+12(FP)
	MOVL CX, ecx+16(FP)
	MOVL DX, edx+20(FP)
	RET
