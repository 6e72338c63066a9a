package ssh

import (
	"strings"
	"sync"
)

// parseCache keeps the ssh_config and known_hosts files a Pool (or one
// Dial with its jump hosts) has read, parsed once and shared by every
// host: a run reads each file once, not once per host. Its entries are
// read-only once loaded. A nil *parseCache reads the files every time.
type parseCache struct {
	mu      sync.Mutex
	configs map[string]*cached[configFiles]
	known   map[string]*cached[[]khEntry]
	dbs     map[string]*cached[*knownHosts] // by the list of files
}

// cached is one file's parse, done once however many hosts ask at once.
type cached[T any] struct {
	once sync.Once
	val  T
	err  error
}

func newParseCache() *parseCache {
	return &parseCache{configs: map[string]*cached[configFiles]{}, known: map[string]*cached[[]khEntry]{},
		dbs: map[string]*cached[*knownHosts]{}}
}

// entry returns m's entry for key, creating it under pc.mu.
func entry[T any](pc *parseCache, m map[string]*cached[T], key string) *cached[T] {
	pc.mu.Lock()
	defer pc.mu.Unlock()
	e, ok := m[key]
	if !ok {
		e = &cached[T]{}
		m[key] = e
	}
	return e
}

// sshConfig is loadSSHConfig(path), parsed once.
func (pc *parseCache) sshConfig(path string) (configFiles, error) {
	if pc == nil {
		return loadSSHConfig(path)
	}
	e := entry(pc, pc.configs, path)
	e.once.Do(func() { e.val, e.err = loadSSHConfig(path) })
	return e.val, e.err
}

// knownHosts is loadKnownHosts(files), each file parsed once and the
// result shared by every host that reads the same files. Keys that
// accept-new records later are found by recordKey, which rereads the file
// under its lock.
func (pc *parseCache) knownHosts(files []string) (*knownHosts, error) {
	if pc == nil {
		return loadKnownHosts(files)
	}
	e := entry(pc, pc.dbs, strings.Join(files, "\x00"))
	e.once.Do(func() { e.val, e.err = pc.assemble(files) })
	return e.val, e.err
}

// assemble joins the entries of files, each parsed once.
func (pc *parseCache) assemble(files []string) (*knownHosts, error) {
	db := &knownHosts{files: files}
	for _, f := range files {
		e := entry(pc, pc.known, f)
		e.once.Do(func() { e.val, e.err = readKnownHostsFile(f) })
		if e.err != nil {
			return nil, e.err
		}
		if db.entries == nil {
			db.entries = e.val[:len(e.val):len(e.val)] // appending copies, never writes into the cache
			continue
		}
		db.entries = append(db.entries, e.val...)
	}
	return db, nil
}
