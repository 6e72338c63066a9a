package probe

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"net"
	"sync"
	"testing"
	"time"
)

// benchEndpoints is the size of the benchmark fleet.
const benchEndpoints = 1000

// benchConcurrency is the number of endpoints probed at once, by drover and
// by the floor alike.
const benchConcurrency = 32

// benchFleet starts n TLS listeners on loopback, each with its own
// certificate, and returns them as endpoints.
func benchFleet(b *testing.B, n int) ([]Endpoint, *x509.CertPool) {
	b.Helper()
	p := newPKI(b)
	eps := make([]Endpoint, n)
	for i := range eps {
		name := "svc" + itoa(i) + ".test"
		eps[i] = Endpoint{Host: "host" + itoa(i), Address: serveTLS(b, p.leaf(b, leafSpec{names: []string{name}}), nil), ServerName: name}
	}
	return eps, p.roots
}

func itoa(i int) string { return (&net.TCPAddr{Port: i}).String()[1:] }

// floorScan is the floor: a plain loop of tls.Dial (which verifies the
// chain and the name) over the endpoints, conc at a time.
func floorScan(b *testing.B, eps []Endpoint, roots *x509.CertPool, conc int) {
	work := make(chan Endpoint)
	var wg sync.WaitGroup
	for range conc {
		wg.Go(func() {
			d := &net.Dialer{Timeout: DefaultTimeout}
			for ep := range work {
				c, err := tls.DialWithDialer(d, "tcp", ep.Address, &tls.Config{ServerName: ep.ServerName, RootCAs: roots})
				if err != nil {
					b.Error(err)
					continue
				}
				c.Close()
			}
		})
	}
	for _, ep := range eps {
		work <- ep
	}
	close(work)
	wg.Wait()
}

// BenchmarkCertsScan scans 1,000 loopback TLS endpoints with ScanEndpoints
// and with the floor, alternately, and reports the time of each scan and
// their ratio (drover/floor).
func BenchmarkCertsScan(b *testing.B) {
	eps, roots := benchFleet(b, benchEndpoints)
	opts := ScanOptions{Concurrency: benchConcurrency, TLSClient: TLSClient{RootCAs: roots}, Thresholds: Thresholds{WarnDays: 30, CriticalDays: 14}}
	var drover, floor time.Duration
	scans := 0
	for b.Loop() {
		start := time.Now()
		floorScan(b, eps, roots, benchConcurrency)
		floor += time.Since(start)
		start = time.Now()
		rows, err := ScanEndpoints(context.Background(), eps, opts)
		drover += time.Since(start)
		if err != nil || len(rows) != len(eps) || WorstSeverity(rows) != SeverityOK {
			b.Fatalf("scan: %v, %d rows, severity %d", err, len(rows), WorstSeverity(rows))
		}
		scans++
	}
	b.ReportMetric(drover.Seconds()/float64(scans), "drover-s/scan")
	b.ReportMetric(floor.Seconds()/float64(scans), "floor-s/scan")
	b.ReportMetric(float64(drover)/float64(floor), "ratio")
}
