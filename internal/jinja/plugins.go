package jinja

// Plugins supplies the filters and tests an Env does not have itself (in
// drover, the Python plugins of the content being run). Each returns nil
// when it has no plugin of that name.
type Plugins interface {
	Filter(name string) Filter
	Test(name string) Test
}

// SetPlugins installs where the Env looks for a filter or test it does not
// have, after its own (and their short names) failed.
func (e *Env) SetPlugins(p Plugins) {
	e.mu.Lock()
	e.plugins = p
	e.mu.Unlock()
	e.clearCache()
}

// pluginFilter is the plugin filter name, or nil. e.mu is read-locked.
func (e *Env) pluginFilter(name string) *filterDef {
	if e.plugins == nil {
		return nil
	}
	f := e.plugins.Filter(name)
	if f == nil {
		return nil
	}
	return &filterDef{fn: func(s *state, v any, a *argList) (any, error) {
		pos, kw := a.public()
		r, err := f(v, pos, kw)
		return norm(r), err
	}}
}

// pluginTest is the plugin test name, or nil. e.mu is read-locked.
func (e *Env) pluginTest(name string) *testDef {
	if e.plugins == nil {
		return nil
	}
	t := e.plugins.Test(name)
	if t == nil {
		return nil
	}
	return &testDef{fn: func(s *state, v any, a *argList) (bool, error) {
		pos, kw := a.public()
		return t(v, pos, kw)
	}}
}

// InstalledPlugins is what SetPlugins installed, or nil.
func (e *Env) InstalledPlugins() Plugins {
	e.mu.RLock()
	defer e.mu.RUnlock()
	return e.plugins
}
