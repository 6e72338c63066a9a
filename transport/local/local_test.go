package local_test

import (
	"testing"

	"github.com/drover/drover/transport"
	"github.com/drover/drover/transport/local"
	"github.com/drover/drover/transport/transporttest"
)

func TestConformance(t *testing.T) {
	transporttest.Run(t, func(t *testing.T) (transport.Conn, string) {
		c := local.New()
		t.Cleanup(func() { c.Close() })
		return c, t.TempDir()
	})
}
