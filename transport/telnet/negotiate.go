package telnet

// negotiator keeps the state of every option on both sides of the
// connection with the Q method of RFC 1143, which never answers a request
// that changes nothing, so two parties cannot loop.
//
// "him" is the server's side (it WILL do an option, we say DO), "us" is ours
// (it asks DO, we say WILL). The server may enable ECHO, SUPPRESS-GO-AHEAD
// and BINARY (so that its output reaches us 8-bit clean: UTF-8 survives); we
// enable SUPPRESS-GO-AHEAD, NAWS and TERMINAL-TYPE. Everything else is
// refused, our own BINARY included: what drover types stays NVT text.
type negotiator struct {
	him, us [256]qstate
	out     []byte // replies to send
	term    string // TERMINAL-TYPE answer
	cols    int    // NAWS
	rows    int
}

// qstate is one side of one option: NO, YES, WANTNO, WANTYES, and for the
// WANT states whether the opposite was asked for meanwhile.
type qstate uint8

const (
	qNo qstate = iota
	qYes
	qWantNo
	qWantNoOpposite
	qWantYes
	qWantYesOpposite
)

func newNegotiator(term string, cols, rows int) *negotiator {
	return &negotiator{term: term, cols: cols, rows: rows}
}

// himAccepts reports whether the server may enable opt.
func himAccepts(opt byte) bool { return opt == optEcho || opt == optSGA || opt == optBinary }

// usAccepts reports whether we enable opt when asked.
func usAccepts(opt byte) bool { return opt == optSGA || opt == optNAWS || opt == optTTYPE }

func (n *negotiator) send(verb, opt byte) { n.out = append(n.out, cmdIAC, verb, opt) }

// received handles IAC verb opt from the server.
func (n *negotiator) received(verb, opt byte) {
	switch verb {
	case cmdWILL:
		n.gotYes(&n.him[opt], cmdDO, cmdDONT, himAccepts(opt), opt)
	case cmdWONT:
		n.gotNo(&n.him[opt], cmdDO, cmdDONT, opt)
	case cmdDO:
		before := n.us[opt]
		n.gotYes(&n.us[opt], cmdWILL, cmdWONT, usAccepts(opt), opt)
		if before != qYes && n.us[opt] == qYes {
			n.enabled(opt)
		}
	case cmdDONT:
		n.gotNo(&n.us[opt], cmdWILL, cmdWONT, opt)
	}
}

// gotYes is RFC 1143's table for receiving WILL (him) or DO (us): yes and no
// are the verbs we answer with.
func (n *negotiator) gotYes(s *qstate, yes, no byte, accept bool, opt byte) {
	switch *s {
	case qNo:
		if accept {
			*s = qYes
			n.send(yes, opt)
		} else {
			n.send(no, opt)
		}
	case qYes:
	case qWantNo:
		*s = qNo // an answer to our refusal in the wrong sense: the peer erred
	case qWantNoOpposite, qWantYes:
		*s = qYes
	case qWantYesOpposite:
		*s = qWantNo
		n.send(no, opt)
	}
}

// gotNo is RFC 1143's table for receiving WONT (him) or DONT (us).
func (n *negotiator) gotNo(s *qstate, yes, no byte, opt byte) {
	switch *s {
	case qNo:
	case qYes:
		*s = qNo
		n.send(no, opt)
	case qWantNo, qWantYes, qWantYesOpposite:
		*s = qNo
	case qWantNoOpposite:
		*s = qWantYes
		n.send(yes, opt)
	}
}

// ask asks for an option to be enabled: the server's side with DO (him) or
// ours with WILL (us).
func (n *negotiator) ask(s *qstate, yes byte, opt byte) {
	switch *s {
	case qNo:
		*s = qWantYes
		n.send(yes, opt)
	case qWantNo:
		*s = qWantNoOpposite
	case qWantYesOpposite:
		*s = qWantYes
	}
}

// offer sends what a client announces on connecting: it would like the
// server to suppress go-ahead and to send binary, and offers its terminal
// type and window size.
func (n *negotiator) offer() {
	n.ask(&n.him[optSGA], cmdDO, optSGA)
	n.ask(&n.him[optBinary], cmdDO, optBinary)
	n.ask(&n.us[optTTYPE], cmdWILL, optTTYPE)
	n.ask(&n.us[optNAWS], cmdWILL, optNAWS)
}

// enabled acts on an option of ours that just became enabled.
func (n *negotiator) enabled(opt byte) {
	if opt == optNAWS {
		n.sendNAWS()
	}
}

// sendNAWS sends our window size (RFC 1073).
func (n *negotiator) sendNAWS() {
	size := []byte{byte(n.cols >> 8), byte(n.cols), byte(n.rows >> 8), byte(n.rows)}
	n.out = append(n.out, cmdIAC, cmdSB, optNAWS)
	n.out = escapeSubneg(n.out, size)
	n.out = append(n.out, cmdIAC, cmdSE)
}

// subnegotiation handles IAC SB opt data IAC SE from the server: a request
// for our terminal type is answered, the rest ignored.
func (n *negotiator) subnegotiation(opt byte, data []byte) {
	if opt != optTTYPE || len(data) == 0 || data[0] != ttypeSEND || n.us[optTTYPE] != qYes {
		return
	}
	n.out = append(n.out, cmdIAC, cmdSB, optTTYPE, ttypeIS)
	n.out = escapeSubneg(n.out, []byte(n.term))
	n.out = append(n.out, cmdIAC, cmdSE)
}

// binaryIn reports whether the server sends binary (RFC 856): no CR NUL.
func (n *negotiator) binaryIn() bool { return n.him[optBinary] == qYes }

// take returns the replies gathered so far and forgets them.
func (n *negotiator) take() []byte {
	out := n.out
	n.out = nil
	return out
}
