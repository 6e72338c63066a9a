package telnet

import (
	"bytes"
	"testing"
)

func decodeAll(d *decoder, parts ...[]byte) []byte {
	var out []byte
	for _, p := range parts {
		out = d.decode(out, p)
	}
	return out
}

func newDecoder() *decoder { return &decoder{neg: newNegotiator("XTERM", 80, 24)} }

func TestDecode(t *testing.T) {
	b := func(v ...byte) []byte { return v }
	tests := []struct {
		name    string
		in      []byte
		data    string
		replies []byte
	}{
		{"plain", []byte("login: "), "login: ", nil},
		{"IAC IAC is 255", b('a', cmdIAC, cmdIAC, 'b'), "a\xffb", nil},
		{"CR NUL is CR, CR LF stays", []byte("a\r\x00b\r\nc"), "a\rb\r\nc", nil},
		{"NUL alone stays", []byte("a\x00b"), "a\x00b", nil},
		{"no-data commands vanish", b('a', cmdIAC, cmdNOP, cmdIAC, cmdGA, cmdIAC, cmdDM, cmdIAC, cmdAYT, 'b'), "ab", nil},
		{"WILL ECHO accepted", b(cmdIAC, cmdWILL, optEcho), "", b(cmdIAC, cmdDO, optEcho)},
		{"DO ECHO refused", b(cmdIAC, cmdDO, optEcho), "", b(cmdIAC, cmdWONT, optEcho)},
		{"WILL BINARY accepted", b(cmdIAC, cmdWILL, optBinary, 'a', '\r', 0), "a\r\x00", b(cmdIAC, cmdDO, optBinary)},
		{"DO BINARY refused", b(cmdIAC, cmdDO, optBinary), "", b(cmdIAC, cmdWONT, optBinary)},
		{"WILL LINEMODE refused", b(cmdIAC, cmdWILL, 34), "", b(cmdIAC, cmdDONT, 34)},
		{"DO NAWS sends the size", b(cmdIAC, cmdDO, optNAWS), "", b(cmdIAC, cmdWILL, optNAWS, cmdIAC, cmdSB, optNAWS, 0, 80, 0, 24, cmdIAC, cmdSE)},
		{"terminal type asked", b(cmdIAC, cmdDO, optTTYPE, cmdIAC, cmdSB, optTTYPE, ttypeSEND, cmdIAC, cmdSE, 'x'), "x",
			b(cmdIAC, cmdWILL, optTTYPE, cmdIAC, cmdSB, optTTYPE, ttypeIS, 'X', 'T', 'E', 'R', 'M', cmdIAC, cmdSE)},
		{"terminal type not agreed", b(cmdIAC, cmdSB, optTTYPE, ttypeSEND, cmdIAC, cmdSE), "", nil},
		{"subnegotiation with IAC IAC", b(cmdIAC, cmdSB, 99, 1, cmdIAC, cmdIAC, 2, cmdIAC, cmdSE, 'z'), "z", nil},
		{"unterminated subnegotiation ends at a command", b(cmdIAC, cmdSB, 99, 1, 2, cmdIAC, cmdWILL, optEcho, 'q'), "q", b(cmdIAC, cmdDO, optEcho)},
		{"DONT for what is off is ignored", b(cmdIAC, cmdDONT, optNAWS, cmdIAC, cmdWONT, optEcho), "", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for cut := 0; cut <= len(tt.in); cut++ {
				d := newDecoder()
				data := decodeAll(d, tt.in[:cut], tt.in[cut:])
				if string(data) != tt.data {
					t.Fatalf("cut at %d: data %q, want %q", cut, data, tt.data)
				}
				if got := d.neg.take(); !bytes.Equal(got, tt.replies) {
					t.Fatalf("cut at %d: replies %v, want %v", cut, got, tt.replies)
				}
			}
		})
	}
}

func TestEncode(t *testing.T) {
	tests := []struct {
		parts []string
		want  string
	}{
		{[]string{"ls\n"}, "ls\r\n"},
		{[]string{"a\r\nb"}, "a\r\nb"},
		{[]string{"a\r", "\nb"}, "a\r\nb"},
		{[]string{"a\r", "b"}, "a\r\x00b"},
		{[]string{"\xff"}, "\xff\xff"},
		{[]string{"x\ry\r\n"}, "x\r\x00y\r\n"},
	}
	for _, tt := range tests {
		var e encoder
		var out []byte
		for _, p := range tt.parts {
			out = e.encode(out, []byte(p))
		}
		if string(out) != tt.want {
			t.Errorf("encode %q = %q, want %q", tt.parts, out, tt.want)
		}
	}
}

// TestQMethod walks RFC 1143's table: every request that changes nothing is
// left unanswered, so no two parties loop.
func TestQMethod(t *testing.T) {
	tests := []struct {
		name  string
		start qstate
		verb  byte
		opt   byte
		want  qstate
		reply string
	}{
		{"NO + WILL accepted", qNo, cmdWILL, optEcho, qYes, "DO"},
		{"NO + WILL refused", qNo, cmdWILL, 34, qNo, "DONT"},
		{"YES + WILL", qYes, cmdWILL, optEcho, qYes, ""},
		{"WANTNO + WILL", qWantNo, cmdWILL, optEcho, qNo, ""},
		{"WANTNO-OPPOSITE + WILL", qWantNoOpposite, cmdWILL, optEcho, qYes, ""},
		{"WANTYES + WILL", qWantYes, cmdWILL, optSGA, qYes, ""},
		{"WANTYES-OPPOSITE + WILL", qWantYesOpposite, cmdWILL, optSGA, qWantNo, "DONT"},
		{"NO + WONT", qNo, cmdWONT, optEcho, qNo, ""},
		{"YES + WONT", qYes, cmdWONT, optEcho, qNo, "DONT"},
		{"WANTNO + WONT", qWantNo, cmdWONT, optEcho, qNo, ""},
		{"WANTNO-OPPOSITE + WONT", qWantNoOpposite, cmdWONT, optEcho, qWantYes, "DO"},
		{"WANTYES + WONT", qWantYes, cmdWONT, optEcho, qNo, ""},
		{"WANTYES-OPPOSITE + WONT", qWantYesOpposite, cmdWONT, optEcho, qNo, ""},
		{"us NO + DO accepted", qNo, cmdDO, optSGA, qYes, "WILL"},
		{"us NO + DO refused", qNo, cmdDO, optEcho, qNo, "WONT"},
		{"us YES + DONT", qYes, cmdDONT, optSGA, qNo, "WONT"},
		{"us WANTNO-OPPOSITE + DONT", qWantNoOpposite, cmdDONT, optSGA, qWantYes, "WILL"},
	}
	names := map[byte]string{cmdDO: "DO", cmdDONT: "DONT", cmdWILL: "WILL", cmdWONT: "WONT"}
	for _, tt := range tests {
		n := newNegotiator("XTERM", 80, 24)
		side := &n.him
		if tt.verb == cmdDO || tt.verb == cmdDONT {
			side = &n.us
		}
		side[tt.opt] = tt.start
		n.received(tt.verb, tt.opt)
		reply := ""
		if out := n.take(); len(out) >= 3 {
			reply = names[out[1]]
			if out[2] != tt.opt {
				t.Errorf("%s: reply for option %d", tt.name, out[2])
			}
		}
		if side[tt.opt] != tt.want || reply != tt.reply {
			t.Errorf("%s: state %d reply %q, want %d %q", tt.name, side[tt.opt], reply, tt.want, tt.reply)
		}
	}
}

// escapeData is what a server sends for data: IAC doubled, a bare CR as
// CR NUL.
func escapeData(data []byte) []byte {
	var out []byte
	for i, c := range data {
		switch {
		case c == cmdIAC:
			out = append(out, cmdIAC, cmdIAC)
		case c == '\r' && (i+1 == len(data) || data[i+1] != '\n'):
			out = append(out, '\r', 0)
		default:
			out = append(out, c)
		}
	}
	return out
}

// FuzzDecode feeds arbitrary bytes, cut in two anywhere: no panic, the same
// data either way, and data sent escaped among commands comes out intact.
func FuzzDecode(f *testing.F) {
	f.Add([]byte("login: \xff\xff\r\x00"), []byte{cmdIAC, cmdWILL, optEcho}, uint(3))
	f.Add([]byte("\r\n$ "), []byte{cmdIAC, cmdSB, optTTYPE, ttypeSEND, cmdIAC, cmdSE}, uint(1))
	f.Add([]byte{}, []byte{cmdIAC, cmdSB, 1, cmdIAC}, uint(0))
	f.Fuzz(func(t *testing.T, data, noise []byte, cut uint) {
		whole := newDecoder().decode(nil, noise)
		i := int(cut % uint(len(noise)+1))
		split := decodeAll(newDecoder(), noise[:i], noise[i:])
		if !bytes.Equal(whole, split) {
			t.Fatalf("noise %v: whole %q, split at %d %q", noise, whole, i, split)
		}
		// Data escaped, with complete commands around it, survives.
		cmds := []byte{cmdIAC, cmdWILL, optEcho, cmdIAC, cmdNOP, cmdIAC, cmdSB, optTTYPE, ttypeSEND, cmdIAC, cmdIAC, cmdIAC, cmdSE}
		stream := append(append(append([]byte{}, cmds...), escapeData(data)...), cmds...)
		j := int(cut % uint(len(stream)+1))
		got := decodeAll(newDecoder(), stream[:j], stream[j:])
		if !bytes.Equal(got, data) {
			t.Fatalf("data %q came out as %q (cut at %d)", data, got, j)
		}
	})
}

// FuzzEncodeDecode: what the client encodes, cut anywhere, a server
// decodes back to the data, with each bare LF sent as CR LF.
func FuzzEncodeDecode(f *testing.F) {
	f.Add([]byte("echo hi\n"), uint(2))
	f.Add([]byte("\r\r\n\xff\x00"), uint(1))
	f.Fuzz(func(t *testing.T, data []byte, cut uint) {
		var e encoder
		i := int(cut % uint(len(data)+1))
		wire := e.encode(e.encode(nil, data[:i]), data[i:])
		var want []byte
		for k, c := range data {
			if c == '\n' && (k == 0 || data[k-1] != '\r') {
				want = append(want, '\r')
			}
			want = append(want, c)
		}
		if got := newDecoder().decode(nil, wire); !bytes.Equal(got, want) {
			t.Fatalf("data %q: wire %q decoded %q, want %q", data, wire, got, want)
		}
	})
}
