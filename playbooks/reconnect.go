package playbooks

import (
	"strings"

	"github.com/drover/drover/transport"
)

// dropConn closes a host's connection and its become sessions; the next
// task (or Call.Connect) opens a new one.
func (r *run) dropConn(host string) {
	r.mu.Lock()
	e := r.conns[host]
	var wrapped []transport.Conn
	for k, c := range r.becomes {
		if strings.HasPrefix(k, host+"\x00") {
			wrapped = append(wrapped, c)
			delete(r.becomes, k)
		}
	}
	r.mu.Unlock()
	for _, c := range wrapped {
		_ = c.Close()
	}
	if e == nil {
		return
	}
	e.once.Lock()
	old := e.conn
	e.conn = nil
	e.once.Unlock()
	if old != nil {
		_ = old.Close()
	}
}
