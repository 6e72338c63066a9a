package main

import (
	"fmt"
	"os"
	"runtime"
	"runtime/metrics"
	"runtime/pprof"
	"strings"
	"time"
)

// startProfiles starts the profiles the environment asks for (developer
// aids): DROVER_CPUPROFILE=path writes a CPU profile of the run,
// DROVER_MEMPROFILE=path a heap profile taken when the heap was largest
// and, on stderr at the end, the runtime's memory at its peak. It returns
// the function that ends them.
func startProfiles() func() {
	stops := []func(){}
	if path := os.Getenv("DROVER_CPUPROFILE"); path != "" {
		stops = append(stops, profileCPU(path))
	}
	if path := os.Getenv("DROVER_MEMPROFILE"); path != "" {
		stops = append(stops, profileHeap(path))
	}
	return func() {
		for _, stop := range stops {
			stop()
		}
	}
}

// profileCPU writes a CPU profile of the run to path and returns the
// function that stops it.
func profileCPU(path string) func() {
	f, err := os.Create(path)
	if err == nil {
		err = pprof.StartCPUProfile(f)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "drover: DROVER_CPUPROFILE:", err)
		return func() {}
	}
	return func() {
		pprof.StopCPUProfile()
		f.Close()
	}
}

// profileHeap samples the runtime's memory every few milliseconds and
// writes the heap profile to path (and the goroutines, with their stacks,
// to path.goroutines) each time the memory held has grown a tenth past
// the largest seen, so that the files end up describing the memory near
// its peak (the heap as of the garbage collection before it). The returned function
// stops sampling and prints the memory classes at the peak.
func profileHeap(path string) func() {
	runtime.MemProfileRate = 4 << 10
	done, stopped := make(chan struct{}), make(chan struct{})
	var peak memSample
	var peakAt time.Duration
	start := time.Now()
	go func() {
		defer close(stopped)
		tick := time.NewTicker(20 * time.Millisecond)
		defer tick.Stop()
		var written uint64
		for {
			select {
			case <-done:
				return
			case <-tick.C:
			}
			s := readMem()
			if s.inUse() > peak.inUse() {
				peak, peakAt = s, time.Since(start)
			}
			if h := s.inUse(); h > written+written/10 {
				written = h
				writeProfile(path, "heap", 0)
				writeProfile(path+".goroutines", "goroutine", 1)
			}
		}
	}()
	return func() {
		close(done)
		<-stopped
		fmt.Fprintf(os.Stderr, "drover: memory at its peak, %s into the run: %s", peakAt.Round(time.Millisecond), peak)
	}
}

// memSample is one reading of the runtime's memory classes.
type memSample []metrics.Sample

func readMem() memSample {
	var s memSample
	for _, d := range metrics.All() {
		if strings.HasPrefix(d.Name, "/memory/classes/") || d.Name == "/sched/goroutines:goroutines" {
			s = append(s, metrics.Sample{Name: d.Name})
		}
	}
	metrics.Read(s)
	return s
}

func (s memSample) value(name string) uint64 {
	for _, m := range s {
		if m.Name == name {
			return m.Value.Uint64()
		}
	}
	return 0
}

// inUse is the memory the process holds from the system.
func (s memSample) inUse() uint64 {
	return s.value("/memory/classes/total:bytes") - s.value("/memory/classes/heap/released:bytes")
}

func (s memSample) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%d KiB held\n", s.inUse()>>10)
	for _, m := range s {
		v := m.Value.Uint64()
		if strings.HasSuffix(m.Name, ":bytes") {
			v >>= 10
		}
		fmt.Fprintf(&b, "  %-50s %10d\n", m.Name, v)
	}
	return b.String()
}

func writeProfile(path, name string, debug int) {
	f, err := os.Create(path)
	if err == nil {
		err = pprof.Lookup(name).WriteTo(f, debug)
		f.Close()
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "drover: DROVER_MEMPROFILE:", err)
	}
}
