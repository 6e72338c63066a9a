package playbooks

// workers runs functions on goroutines that live for the whole run. A
// task runs on each host in a goroutine of its own, whose stack grows
// through the engine, templating, the module and the transport; a fresh
// goroutine per host and task would grow it again every time.
type workers struct {
	idle chan func() // a worker waiting for work receives here
	quit chan struct{}
}

func newWorkers() *workers {
	return &workers{idle: make(chan func()), quit: make(chan struct{})}
}

// Go runs f on an idle worker, or on a new one when none is idle; like the
// go statement it never waits.
func (w *workers) Go(f func()) {
	select {
	case w.idle <- f:
	default:
		go w.work(f)
	}
}

func (w *workers) work(f func()) {
	for {
		f()
		select {
		case f = <-w.idle:
		case <-w.quit:
			return
		}
	}
}

// stop ends the idle workers; those still busy end when their function
// returns.
func (w *workers) stop() { close(w.quit) }
