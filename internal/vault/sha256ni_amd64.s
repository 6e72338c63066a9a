// SHA-256 block function using the Intel SHA extensions, for the PBKDF2
// loop of pbkdf2_amd64.go.
//
// Adapted from Go's crypto/internal/fips140/sha256/sha256block_amd64.s
// (function blockSHANI and its constants), with AVX moves replaced by SSE
// ones so that only SSSE3, SSE4.1 and SHA are needed.
//
// Copyright 2009 The Go Authors.
//
// Redistribution and use in source and binary forms, with or without
// modification, are permitted provided that the following conditions are
// met:
//
//    * Redistributions of source code must retain the above copyright
// notice, this list of conditions and the following disclaimer.
//    * Redistributions in binary form must reproduce the above
// copyright notice, this list of conditions and the following disclaimer
// in the documentation and/or other materials provided with the
// distribution.
//    * Neither the name of Google LLC nor the names of its
// contributors may be used to endorse or promote products derived from
// this software without specific prior written permission.
//
// THIS SOFTWARE IS PROVIDED BY THE COPYRIGHT HOLDERS AND CONTRIBUTORS
// "AS IS" AND ANY EXPRESS OR IMPLIED WARRANTIES, INCLUDING, BUT NOT
// LIMITED TO, THE IMPLIED WARRANTIES OF MERCHANTABILITY AND FITNESS FOR
// A PARTICULAR PURPOSE ARE DISCLAIMED. IN NO EVENT SHALL THE COPYRIGHT
// OWNER OR CONTRIBUTORS BE LIABLE FOR ANY DIRECT, INDIRECT, INCIDENTAL,
// SPECIAL, EXEMPLARY, OR CONSEQUENTIAL DAMAGES (INCLUDING, BUT NOT
// LIMITED TO, PROCUREMENT OF SUBSTITUTE GOODS OR SERVICES; LOSS OF USE,
// DATA, OR PROFITS; OR BUSINESS INTERRUPTION) HOWEVER CAUSED AND ON ANY
// THEORY OF LIABILITY, WHETHER IN CONTRACT, STRICT LIABILITY, OR TORT
// (INCLUDING NEGLIGENCE OR OTHERWISE) ARISING IN ANY WAY OUT OF THE USE
// OF THIS SOFTWARE, EVEN IF ADVISED OF THE POSSIBILITY OF SUCH DAMAGE.

//go:build amd64 && !purego

#include "textflag.h"

// func cpuid(leaf, subleaf uint32) (eax, ebx, ecx, edx uint32)
TEXT ·cpuid(SB), NOSPLIT, $0-24
	MOVL leaf+0(FP), AX
	MOVL subleaf+4(FP), CX
	CPUID
	MOVL AX, eax+8(FP)
	MOVL BX, ebx+12(FP)
	MOVL CX, ecx+16(FP)
	MOVL DX, edx+20(FP)
	RET

DATA flipMask<>+0(SB)/8, $0x0405060700010203
DATA flipMask<>+8(SB)/8, $0x0c0d0e0f08090a0b
DATA flipMask<>+16(SB)/8, $0x0405060700010203
DATA flipMask<>+24(SB)/8, $0x0c0d0e0f08090a0b
GLOBL flipMask<>(SB), RODATA, $32

DATA k256<>+0(SB)/4, $0x428a2f98
DATA k256<>+4(SB)/4, $0x71374491
DATA k256<>+8(SB)/4, $0xb5c0fbcf
DATA k256<>+12(SB)/4, $0xe9b5dba5
DATA k256<>+16(SB)/4, $0x428a2f98
DATA k256<>+20(SB)/4, $0x71374491
DATA k256<>+24(SB)/4, $0xb5c0fbcf
DATA k256<>+28(SB)/4, $0xe9b5dba5
DATA k256<>+32(SB)/4, $0x3956c25b
DATA k256<>+36(SB)/4, $0x59f111f1
DATA k256<>+40(SB)/4, $0x923f82a4
DATA k256<>+44(SB)/4, $0xab1c5ed5
DATA k256<>+48(SB)/4, $0x3956c25b
DATA k256<>+52(SB)/4, $0x59f111f1
DATA k256<>+56(SB)/4, $0x923f82a4
DATA k256<>+60(SB)/4, $0xab1c5ed5
DATA k256<>+64(SB)/4, $0xd807aa98
DATA k256<>+68(SB)/4, $0x12835b01
DATA k256<>+72(SB)/4, $0x243185be
DATA k256<>+76(SB)/4, $0x550c7dc3
DATA k256<>+80(SB)/4, $0xd807aa98
DATA k256<>+84(SB)/4, $0x12835b01
DATA k256<>+88(SB)/4, $0x243185be
DATA k256<>+92(SB)/4, $0x550c7dc3
DATA k256<>+96(SB)/4, $0x72be5d74
DATA k256<>+100(SB)/4, $0x80deb1fe
DATA k256<>+104(SB)/4, $0x9bdc06a7
DATA k256<>+108(SB)/4, $0xc19bf174
DATA k256<>+112(SB)/4, $0x72be5d74
DATA k256<>+116(SB)/4, $0x80deb1fe
DATA k256<>+120(SB)/4, $0x9bdc06a7
DATA k256<>+124(SB)/4, $0xc19bf174
DATA k256<>+128(SB)/4, $0xe49b69c1
DATA k256<>+132(SB)/4, $0xefbe4786
DATA k256<>+136(SB)/4, $0x0fc19dc6
DATA k256<>+140(SB)/4, $0x240ca1cc
DATA k256<>+144(SB)/4, $0xe49b69c1
DATA k256<>+148(SB)/4, $0xefbe4786
DATA k256<>+152(SB)/4, $0x0fc19dc6
DATA k256<>+156(SB)/4, $0x240ca1cc
DATA k256<>+160(SB)/4, $0x2de92c6f
DATA k256<>+164(SB)/4, $0x4a7484aa
DATA k256<>+168(SB)/4, $0x5cb0a9dc
DATA k256<>+172(SB)/4, $0x76f988da
DATA k256<>+176(SB)/4, $0x2de92c6f
DATA k256<>+180(SB)/4, $0x4a7484aa
DATA k256<>+184(SB)/4, $0x5cb0a9dc
DATA k256<>+188(SB)/4, $0x76f988da
DATA k256<>+192(SB)/4, $0x983e5152
DATA k256<>+196(SB)/4, $0xa831c66d
DATA k256<>+200(SB)/4, $0xb00327c8
DATA k256<>+204(SB)/4, $0xbf597fc7
DATA k256<>+208(SB)/4, $0x983e5152
DATA k256<>+212(SB)/4, $0xa831c66d
DATA k256<>+216(SB)/4, $0xb00327c8
DATA k256<>+220(SB)/4, $0xbf597fc7
DATA k256<>+224(SB)/4, $0xc6e00bf3
DATA k256<>+228(SB)/4, $0xd5a79147
DATA k256<>+232(SB)/4, $0x06ca6351
DATA k256<>+236(SB)/4, $0x14292967
DATA k256<>+240(SB)/4, $0xc6e00bf3
DATA k256<>+244(SB)/4, $0xd5a79147
DATA k256<>+248(SB)/4, $0x06ca6351
DATA k256<>+252(SB)/4, $0x14292967
DATA k256<>+256(SB)/4, $0x27b70a85
DATA k256<>+260(SB)/4, $0x2e1b2138
DATA k256<>+264(SB)/4, $0x4d2c6dfc
DATA k256<>+268(SB)/4, $0x53380d13
DATA k256<>+272(SB)/4, $0x27b70a85
DATA k256<>+276(SB)/4, $0x2e1b2138
DATA k256<>+280(SB)/4, $0x4d2c6dfc
DATA k256<>+284(SB)/4, $0x53380d13
DATA k256<>+288(SB)/4, $0x650a7354
DATA k256<>+292(SB)/4, $0x766a0abb
DATA k256<>+296(SB)/4, $0x81c2c92e
DATA k256<>+300(SB)/4, $0x92722c85
DATA k256<>+304(SB)/4, $0x650a7354
DATA k256<>+308(SB)/4, $0x766a0abb
DATA k256<>+312(SB)/4, $0x81c2c92e
DATA k256<>+316(SB)/4, $0x92722c85
DATA k256<>+320(SB)/4, $0xa2bfe8a1
DATA k256<>+324(SB)/4, $0xa81a664b
DATA k256<>+328(SB)/4, $0xc24b8b70
DATA k256<>+332(SB)/4, $0xc76c51a3
DATA k256<>+336(SB)/4, $0xa2bfe8a1
DATA k256<>+340(SB)/4, $0xa81a664b
DATA k256<>+344(SB)/4, $0xc24b8b70
DATA k256<>+348(SB)/4, $0xc76c51a3
DATA k256<>+352(SB)/4, $0xd192e819
DATA k256<>+356(SB)/4, $0xd6990624
DATA k256<>+360(SB)/4, $0xf40e3585
DATA k256<>+364(SB)/4, $0x106aa070
DATA k256<>+368(SB)/4, $0xd192e819
DATA k256<>+372(SB)/4, $0xd6990624
DATA k256<>+376(SB)/4, $0xf40e3585
DATA k256<>+380(SB)/4, $0x106aa070
DATA k256<>+384(SB)/4, $0x19a4c116
DATA k256<>+388(SB)/4, $0x1e376c08
DATA k256<>+392(SB)/4, $0x2748774c
DATA k256<>+396(SB)/4, $0x34b0bcb5
DATA k256<>+400(SB)/4, $0x19a4c116
DATA k256<>+404(SB)/4, $0x1e376c08
DATA k256<>+408(SB)/4, $0x2748774c
DATA k256<>+412(SB)/4, $0x34b0bcb5
DATA k256<>+416(SB)/4, $0x391c0cb3
DATA k256<>+420(SB)/4, $0x4ed8aa4a
DATA k256<>+424(SB)/4, $0x5b9cca4f
DATA k256<>+428(SB)/4, $0x682e6ff3
DATA k256<>+432(SB)/4, $0x391c0cb3
DATA k256<>+436(SB)/4, $0x4ed8aa4a
DATA k256<>+440(SB)/4, $0x5b9cca4f
DATA k256<>+444(SB)/4, $0x682e6ff3
DATA k256<>+448(SB)/4, $0x748f82ee
DATA k256<>+452(SB)/4, $0x78a5636f
DATA k256<>+456(SB)/4, $0x84c87814
DATA k256<>+460(SB)/4, $0x8cc70208
DATA k256<>+464(SB)/4, $0x748f82ee
DATA k256<>+468(SB)/4, $0x78a5636f
DATA k256<>+472(SB)/4, $0x84c87814
DATA k256<>+476(SB)/4, $0x8cc70208
DATA k256<>+480(SB)/4, $0x90befffa
DATA k256<>+484(SB)/4, $0xa4506ceb
DATA k256<>+488(SB)/4, $0xbef9a3f7
DATA k256<>+492(SB)/4, $0xc67178f2
DATA k256<>+496(SB)/4, $0x90befffa
DATA k256<>+500(SB)/4, $0xa4506ceb
DATA k256<>+504(SB)/4, $0xbef9a3f7
DATA k256<>+508(SB)/4, $0xc67178f2
GLOBL k256<>(SB), RODATA|NOPTR, $512

// func blockSHANI(h *[8]uint32, p []byte)
// Requires: SHA, SSE2, SSE4.1, SSSE3
TEXT ·blockSHANI(SB), NOSPLIT, $0-32
	MOVQ    h+0(FP), DI
	MOVQ    p_base+8(FP), SI
	MOVQ    p_len+16(FP), DX
	SHRQ    $0x06, DX
	SHLQ    $0x06, DX
	CMPQ    DX, $0x00
	JEQ     done
	ADDQ    SI, DX
	MOVOU   (DI), X1
	MOVOU   16(DI), X2
	PSHUFD  $0xb1, X1, X1
	PSHUFD  $0x1b, X2, X2
	MOVO    X1, X7
	PALIGNR $0x08, X2, X1
	PBLENDW $0xf0, X7, X2
	MOVOU   flipMask<>+0(SB), X8
	LEAQ    k256<>+0(SB), AX

roundLoop:
	// save hash values for addition after rounds
	MOVO    X1, X9
	MOVO    X2, X10

	// do rounds 0-59
	MOVOU       (SI), X0
	PSHUFB      X8, X0
	MOVO        X0, X3
	PADDD       (AX), X0
	SHA256RNDS2 X0, X1, X2
	PSHUFD      $0x0e, X0, X0
	SHA256RNDS2 X0, X2, X1
	MOVOU       16(SI), X0
	PSHUFB      X8, X0
	MOVO        X0, X4
	PADDD       32(AX), X0
	SHA256RNDS2 X0, X1, X2
	PSHUFD      $0x0e, X0, X0
	SHA256RNDS2 X0, X2, X1
	SHA256MSG1  X4, X3
	MOVOU       32(SI), X0
	PSHUFB      X8, X0
	MOVO        X0, X5
	PADDD       64(AX), X0
	SHA256RNDS2 X0, X1, X2
	PSHUFD      $0x0e, X0, X0
	SHA256RNDS2 X0, X2, X1
	SHA256MSG1  X5, X4
	MOVOU       48(SI), X0
	PSHUFB      X8, X0
	MOVO        X0, X6
	PADDD       96(AX), X0
	SHA256RNDS2 X0, X1, X2
	MOVO        X6, X7
	PALIGNR     $0x04, X5, X7
	PADDD       X7, X3
	SHA256MSG2  X6, X3
	PSHUFD      $0x0e, X0, X0
	SHA256RNDS2 X0, X2, X1
	SHA256MSG1  X6, X5
	MOVO        X3, X0
	PADDD       128(AX), X0
	SHA256RNDS2 X0, X1, X2
	MOVO        X3, X7
	PALIGNR     $0x04, X6, X7
	PADDD       X7, X4
	SHA256MSG2  X3, X4
	PSHUFD      $0x0e, X0, X0
	SHA256RNDS2 X0, X2, X1
	SHA256MSG1  X3, X6
	MOVO        X4, X0
	PADDD       160(AX), X0
	SHA256RNDS2 X0, X1, X2
	MOVO        X4, X7
	PALIGNR     $0x04, X3, X7
	PADDD       X7, X5
	SHA256MSG2  X4, X5
	PSHUFD      $0x0e, X0, X0
	SHA256RNDS2 X0, X2, X1
	SHA256MSG1  X4, X3
	MOVO        X5, X0
	PADDD       192(AX), X0
	SHA256RNDS2 X0, X1, X2
	MOVO        X5, X7
	PALIGNR     $0x04, X4, X7
	PADDD       X7, X6
	SHA256MSG2  X5, X6
	PSHUFD      $0x0e, X0, X0
	SHA256RNDS2 X0, X2, X1
	SHA256MSG1  X5, X4
	MOVO        X6, X0
	PADDD       224(AX), X0
	SHA256RNDS2 X0, X1, X2
	MOVO        X6, X7
	PALIGNR     $0x04, X5, X7
	PADDD       X7, X3
	SHA256MSG2  X6, X3
	PSHUFD      $0x0e, X0, X0
	SHA256RNDS2 X0, X2, X1
	SHA256MSG1  X6, X5
	MOVO        X3, X0
	PADDD       256(AX), X0
	SHA256RNDS2 X0, X1, X2
	MOVO        X3, X7
	PALIGNR     $0x04, X6, X7
	PADDD       X7, X4
	SHA256MSG2  X3, X4
	PSHUFD      $0x0e, X0, X0
	SHA256RNDS2 X0, X2, X1
	SHA256MSG1  X3, X6
	MOVO        X4, X0
	PADDD       288(AX), X0
	SHA256RNDS2 X0, X1, X2
	MOVO        X4, X7
	PALIGNR     $0x04, X3, X7
	PADDD       X7, X5
	SHA256MSG2  X4, X5
	PSHUFD      $0x0e, X0, X0
	SHA256RNDS2 X0, X2, X1
	SHA256MSG1  X4, X3
	MOVO        X5, X0
	PADDD       320(AX), X0
	SHA256RNDS2 X0, X1, X2
	MOVO        X5, X7
	PALIGNR     $0x04, X4, X7
	PADDD       X7, X6
	SHA256MSG2  X5, X6
	PSHUFD      $0x0e, X0, X0
	SHA256RNDS2 X0, X2, X1
	SHA256MSG1  X5, X4
	MOVO        X6, X0
	PADDD       352(AX), X0
	SHA256RNDS2 X0, X1, X2
	MOVO        X6, X7
	PALIGNR     $0x04, X5, X7
	PADDD       X7, X3
	SHA256MSG2  X6, X3
	PSHUFD      $0x0e, X0, X0
	SHA256RNDS2 X0, X2, X1
	SHA256MSG1  X6, X5
	MOVO        X3, X0
	PADDD       384(AX), X0
	SHA256RNDS2 X0, X1, X2
	MOVO        X3, X7
	PALIGNR     $0x04, X6, X7
	PADDD       X7, X4
	SHA256MSG2  X3, X4
	PSHUFD      $0x0e, X0, X0
	SHA256RNDS2 X0, X2, X1
	SHA256MSG1  X3, X6
	MOVO        X4, X0
	PADDD       416(AX), X0
	SHA256RNDS2 X0, X1, X2
	MOVO        X4, X7
	PALIGNR     $0x04, X3, X7
	PADDD       X7, X5
	SHA256MSG2  X4, X5
	PSHUFD      $0x0e, X0, X0
	SHA256RNDS2 X0, X2, X1
	MOVO        X5, X0
	PADDD       448(AX), X0
	SHA256RNDS2 X0, X1, X2
	MOVO        X5, X7
	PALIGNR     $0x04, X4, X7
	PADDD       X7, X6
	SHA256MSG2  X5, X6
	PSHUFD      $0x0e, X0, X0
	SHA256RNDS2 X0, X2, X1

	// do rounds 60-63
	MOVO        X6, X0
	PADDD       480(AX), X0
	SHA256RNDS2 X0, X1, X2
	PSHUFD      $0x0e, X0, X0
	SHA256RNDS2 X0, X2, X1

	// add current hash values with previously saved
	PADDD X9, X1
	PADDD X10, X2

	// advance data pointer; loop until buffer empty
	ADDQ $0x40, SI
	CMPQ DX, SI
	JNE  roundLoop

	// write hash values back in the correct order
	PSHUFD  $0x1b, X1, X1
	PSHUFD  $0xb1, X2, X2
	MOVO    X1, X7
	PBLENDW $0xf0, X2, X1
	PALIGNR $0x08, X7, X2
	MOVOU   X1, (DI)
	MOVOU   X2, 16(DI)

done:
	RET
