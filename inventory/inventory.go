package inventory

import (
	"context"
	"fmt"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/drover/drover/internal/suggest"
)

// Options tune how inventory sources are read.
type Options struct {
	// ScriptTimeout bounds each run of a dynamic inventory script; zero means
	// DefaultScriptTimeout.
	ScriptTimeout time.Duration
	// Decrypt decrypts ansible-vault data: inline !vault values and vaulted
	// group_vars/host_vars or inventory files. where names the origin
	// (FILE:LINE:COL or FILE). Nil makes vaulted data an error naming its
	// place and saying that the vault password is needed.
	Decrypt func(ciphertext []byte, where string) ([]byte, error)
	// Unsafe wraps the string of a !unsafe YAML value; nil keeps it a plain
	// string.
	Unsafe func(s string) any
	// VaultValue, when set, stands in for Decrypt on inline !vault values: it
	// returns the value to keep instead of the plaintext (drover inventory
	// keeps {"__ansible_vault": CIPHERTEXT}, as ansible-inventory prints).
	VaultValue func(ciphertext []byte, where string) (any, error)
	// KeepTypes keeps YAML timestamps as yamlx.Timestamp and !unsafe text as
	// yamlx.Unsafe (when Unsafe is nil) instead of plain strings.
	KeepTypes bool
	// A source that does not exist is a warning, as in Ansible, unless
	// AnyUnparsedFails (inventory_any_unparsed_is_failed); when no source
	// exists, NoneParsedFails (inventory_unparsed_is_failed) makes that an
	// error, and QuietNoneParsed (inventory_unparsed_warning = false) drops
	// its warning.
	AnyUnparsedFails, NoneParsedFails, QuietNoneParsed bool
	// TransformGroupChars is transform_invalid_group_chars: "always",
	// "silently", "ignore", or "never" (also "").
	TransformGroupChars string
}

// DefaultScriptTimeout bounds a dynamic inventory script when
// Options.ScriptTimeout is zero.
const DefaultScriptTimeout = 60 * time.Second

// Localhost names are the host names that, when absent from the inventory,
// resolve to the implicit localhost.
var localhostNames = []string{"127.0.0.1", "localhost", "::1"}

func isLocalhostName(name string) bool {
	for _, n := range localhostNames {
		if n == name {
			return true
		}
	}
	return false
}

// Inventory is the resolved set of hosts and groups of one or more sources.
// It is safe for concurrent use once loaded.
type Inventory struct {
	mu             sync.Mutex // guards the caches filled by lookups
	opts           Options
	sources        []string // as given, in order
	hosts          map[string]*Host
	hostOrder      []*Host
	groups         map[string]*group
	groupOrder     []*group
	localhost      *Host // first localhost-like host, explicit or implicit
	warnings       []string
	warned         map[string]bool
	groupsDict     map[string][]string
	source         string // the source file being read, for inventory_file
	varsDirs       map[string]*varsDir
	varsBySource   map[string]*varsDir
	preloaded      map[string]varsFile // vars files read ahead, by path
	playDirsRead   map[string]bool     // playbook directories preloaded
	sourceDirValue []any               // inventory_dir of the source being read, once computed
	unparsed       int                 // sources that do not exist
}

// Host is one inventory host.
type Host struct {
	Name string
	// Vars are the host's variables merged with Ansible's precedence for
	// inventory sources: the all group, then parent groups before child
	// groups (ansible_group_priority, then name, among siblings), inline
	// inventory vars before group_vars/ files, then the host's own inline
	// vars and host_vars/ files. They include inventory_file and
	// inventory_dir, as Ansible's do, but no magic variables
	// (inventory_hostname, group_names, groups).
	Vars map[string]any
	// Groups is Ansible's group_names: every group the host belongs to,
	// directly or through child groups, sorted, without "all". A host in no
	// group has ["ungrouped"], as in Ansible.
	Groups []string
	// Implicit marks the implicit localhost, which exists without being listed
	// and belongs to no group, not even "all".
	Implicit bool

	vars   map[string]any // inline vars, in the order set
	groups []*group       // direct groups and their ancestors
}

type group struct {
	name      string
	hosts     []*Host
	hostSet   map[*Host]bool
	children  []*group
	parents   []*group
	vars      map[string]any
	priority  int
	depth     int
	hostCache []*Host
}

func newInventory(opts Options) *Inventory {
	inv := &Inventory{opts: opts, hosts: map[string]*Host{}, groups: map[string]*group{}, warned: map[string]bool{}}
	inv.addGroup("all")
	inv.addGroup("ungrouped")
	_ = inv.addChild("all", "ungrouped")
	return inv
}

// Load reads the inventory sources in order and merges them: each source is
// a file (YAML, INI or an executable dynamic inventory script), a directory
// of such files, or a comma-separated host list ("a,b:2222,"). With no
// sources only the implicit localhost exists.
func Load(ctx context.Context, sources []string, opts Options) (*Inventory, error) {
	inv := newInventory(opts)
	for _, src := range sources {
		if src == "" {
			continue
		}
		inv.sources = append(inv.sources, src)
		if err := inv.parseSource(ctx, src); err != nil {
			return nil, err
		}
	}
	if len(inv.sources) > 0 && inv.unparsed == len(inv.sources) {
		if opts.NoneParsedFails {
			return nil, fmt.Errorf("no inventory was parsed: none of the sources %s exists", strings.Join(inv.sources, ", "))
		}
		if !opts.QuietNoneParsed {
			inv.warn("No inventory was parsed, only implicit localhost is available")
		}
	}
	inv.reconcile()
	if err := inv.resolveVars(); err != nil {
		return nil, err
	}
	return inv, nil
}

// Sources are the inventory sources as Ansible's ansible_inventory_sources
// lists them: paths absolute, host lists as given.
func (inv *Inventory) Sources() []string {
	out := make([]string, len(inv.sources))
	for i, src := range inv.sources {
		out[i] = absSource(src)
	}
	return out
}

// Warnings are the warnings met while loading, Ansible's wording, each once.
func (inv *Inventory) Warnings() []string { return append([]string(nil), inv.warnings...) }

func (inv *Inventory) warn(format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	if !inv.warned[msg] {
		inv.warned[msg] = true
		inv.warnings = append(inv.warnings, msg)
	}
}

// Hosts returns every host in inventory order (the order hosts were first
// met). The implicit localhost is not among them.
func (inv *Inventory) Hosts() []*Host {
	inv.mu.Lock()
	defer inv.mu.Unlock()
	return append([]*Host(nil), inv.hostOrder...)
}

// Host finds a host by name. The names of localhost (localhost, 127.0.0.1,
// ::1) give the implicit localhost when the inventory does not list one.
func (inv *Inventory) Host(name string) (*Host, bool) {
	inv.mu.Lock()
	defer inv.mu.Unlock()
	if h, ok := inv.hosts[name]; ok {
		return h, true
	}
	if isLocalhostName(name) {
		return inv.implicitLocalhost(name), true
	}
	return nil, false
}

// GroupNames lists every group name, sorted.
func (inv *Inventory) GroupNames() []string {
	names := make([]string, 0, len(inv.groups))
	for n := range inv.groups {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// Groups returns Ansible's `groups` magic variable: every group (all and
// ungrouped included) with the names of its hosts, in inventory order.
func (inv *Inventory) Groups() map[string][]string {
	inv.mu.Lock()
	defer inv.mu.Unlock()
	if inv.groupsDict == nil {
		inv.groupsDict = make(map[string][]string, len(inv.groups))
		for _, g := range inv.groupOrder {
			hosts := inv.groupHosts(g)
			names := make([]string, len(hosts))
			for i, h := range hosts {
				names[i] = h.Name
			}
			inv.groupsDict[g.name] = names
		}
	}
	out := make(map[string][]string, len(inv.groupsDict))
	for k, v := range inv.groupsDict {
		out[k] = append([]string(nil), v...)
	}
	return out
}

func (inv *Inventory) implicitLocalhost(name string) *Host {
	if inv.localhost != nil {
		return inv.localhost
	}
	h := &Host{Name: name, Implicit: true, vars: map[string]any{"ansible_connection": "local"}}
	h.Vars = copyVars(inv.groups["all"].vars)
	for _, src := range inv.sources {
		for k, v := range inv.fileVarsFor(src, "group_vars", "all") {
			h.Vars[k] = v
		}
	}
	h.Vars["ansible_connection"] = "local"
	for _, src := range inv.sources {
		for k, v := range inv.fileVarsFor(src, "host_vars", name) {
			h.Vars[k] = v
		}
	}
	h.Groups = []string{}
	inv.localhost = h
	return h
}

var invalidGroupChars = regexp.MustCompile(`^[\d\W]|[^\w]`)

// groupName is the name a group of the source called name gets, following
// transform_invalid_group_chars: characters that cannot start or be in a
// variable name become "_" with always and silently; never (the default)
// and ignore keep them. always and never warn.
func (inv *Inventory) groupName(name string) string {
	if !invalidGroupChars.MatchString(name) {
		return name
	}
	switch inv.opts.TransformGroupChars {
	case "always", "silently":
		if inv.opts.TransformGroupChars == "always" {
			inv.warn("Invalid characters were found in group names and automatically replaced, use -vvvv to see details")
		}
		return invalidGroupChars.ReplaceAllString(name, "_")
	case "ignore":
		return name
	}
	inv.warn("Invalid characters were found in group names but not replaced, use -vvvv to see details")
	return name
}

// addGroup creates a group if it is new.
func (inv *Inventory) addGroup(name string) *group {
	if g, ok := inv.groups[name]; ok {
		return g
	}
	g := &group{name: name, hostSet: map[*Host]bool{}, vars: map[string]any{}, priority: 1}
	inv.groups[name] = g
	inv.groupOrder = append(inv.groupOrder, g)
	return g
}

// addHost creates a host if it is new (with ansible_port when port is set)
// and adds it to group (none when empty).
func (inv *Inventory) addHost(name, groupName string, port int) (*Host, error) {
	if name == "" {
		return nil, fmt.Errorf("invalid empty host name")
	}
	h, ok := inv.hosts[name]
	if !ok {
		h = &Host{Name: name, vars: map[string]any{}}
		if port > 0 {
			h.vars["ansible_port"] = port
		}
		if inv.source != "" {
			h.vars["inventory_file"] = inv.source
			if inv.sourceDirValue == nil {
				inv.sourceDirValue = []any{sourceDir(inv.source)}
			}
			h.vars["inventory_dir"] = inv.sourceDirValue[0]
		} else {
			h.vars["inventory_file"] = nil
			h.vars["inventory_dir"] = nil
		}
		inv.hosts[name] = h
		inv.hostOrder = append(inv.hostOrder, h)
		if isLocalhostName(name) {
			if inv.localhost == nil {
				inv.localhost = h
			} else {
				inv.warn("A duplicate localhost-like entry was found (%s). First found localhost was %s", name, inv.localhost.Name)
			}
		}
	}
	if groupName != "" {
		g, ok := inv.groups[groupName]
		if !ok {
			return nil, fmt.Errorf("could not find group %s in inventory", groupName)
		}
		g.addHost(h)
	}
	return h, nil
}

// sourceDir is inventory_dir for a source file: its absolute directory; nil
// for a source that is not a file or directory (a host list).
func sourceDir(src string) any {
	info, err := statPath(src)
	if err != nil {
		return nil
	}
	if info.IsDir() {
		abs, _ := filepath.Abs(src)
		return abs
	}
	abs, _ := filepath.Abs(filepath.Dir(src))
	return abs
}

// addChild makes child (a group) a child of parent, refusing cycles.
func (inv *Inventory) addChild(parent, child string) error {
	p, c := inv.groups[parent], inv.groups[child]
	if p == nil {
		return fmt.Errorf("%s is not a known group", parent)
	}
	if c == nil {
		return fmt.Errorf("%s is not a known group", child)
	}
	if p == c {
		return fmt.Errorf("group %q cannot be a child of itself", parent)
	}
	for _, existing := range p.children {
		if existing == c {
			return nil
		}
	}
	if p.hasAncestor(c) {
		return fmt.Errorf("adding group %q as child to %q creates a recursive dependency loop", child, parent)
	}
	p.children = append(p.children, c)
	c.parents = append(c.parents, p)
	return nil
}

func (g *group) hasAncestor(a *group) bool {
	seen := map[*group]bool{}
	stack := append([]*group(nil), g.parents...)
	for len(stack) > 0 {
		p := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if p == a {
			return true
		}
		if !seen[p] {
			seen[p] = true
			stack = append(stack, p.parents...)
		}
	}
	return false
}

// setGroupVar sets an inline group variable; ansible_group_priority sets the
// group's priority instead, as in Ansible.
func (inv *Inventory) setGroupVar(g *group, key string, value any) error {
	if key == "ansible_group_priority" {
		p, err := toPriority(value)
		if err != nil {
			return fmt.Errorf("group %s: ansible_group_priority: %v", g.name, err)
		}
		g.priority = p
		return nil
	}
	g.vars[key] = value
	return nil
}

// toPriority converts a value with Python's int().
func toPriority(v any) (int, error) {
	switch t := v.(type) {
	case int:
		return t, nil
	case float64:
		return int(t), nil
	case bool:
		if t {
			return 1, nil
		}
		return 0, nil
	case string:
		n, err := strconv.Atoi(trimPySpace(t))
		if err != nil {
			return 0, fmt.Errorf("invalid literal for int(): %q", t)
		}
		return n, nil
	}
	return 0, fmt.Errorf("expected an integer, got %v", v)
}

// reconcile applies Ansible's rules after all sources are read: every group
// without a parent goes under all, hosts in no group go to ungrouped, hosts
// in some group leave ungrouped; then depths and host groups are computed.
func (inv *Inventory) reconcile() {
	all, ungrouped := inv.groups["all"], inv.groups["ungrouped"]
	for _, g := range inv.groupOrder {
		if g != all && len(g.parents) == 0 {
			_ = inv.addChild("all", g.name)
		}
	}
	inv.computeDepths()
	direct := inv.directGroups()
	for _, h := range inv.hostOrder {
		h.groups = ancestorsOf(direct[h])
		others := 0
		inUngrouped := false
		for _, g := range h.groups {
			switch g {
			case ungrouped:
				inUngrouped = true
			case all:
			default:
				others++
			}
		}
		switch {
		case inUngrouped && others > 0:
			ungrouped.removeHost(h)
			h.groups = ancestorsOf(removeGroup(direct[h], ungrouped))
		case !inUngrouped && others == 0:
			ungrouped.addHost(h)
			h.groups = ancestorsOf(append(direct[h], ungrouped))
		}
		h.Groups = groupNames(h.groups)
	}
	for _, g := range inv.groupOrder {
		if _, ok := inv.hosts[g.name]; ok {
			inv.warn("Found both group and host with same name: %s", g.name)
		}
	}
}

func removeGroup(gs []*group, g *group) []*group {
	out := make([]*group, 0, len(gs))
	for _, x := range gs {
		if x != g {
			out = append(out, x)
		}
	}
	return out
}

// addHost lists h in g unless it is there already; it reports whether it
// was added.
func (g *group) addHost(h *Host) bool {
	if g.hostSet[h] {
		return false
	}
	g.hostSet[h] = true
	g.hosts = append(g.hosts, h)
	return true
}

func (g *group) removeHost(h *Host) {
	delete(g.hostSet, h)
	for i, x := range g.hosts {
		if x == h {
			g.hosts = append(g.hosts[:i:i], g.hosts[i+1:]...)
			return
		}
	}
}

// directGroups maps each host to the groups that list it directly.
func (inv *Inventory) directGroups() map[*Host][]*group {
	out := make(map[*Host][]*group, len(inv.hostOrder))
	for _, g := range inv.groupOrder {
		for _, h := range g.hosts {
			out[h] = append(out[h], g)
		}
	}
	return out
}

// ancestorsOf returns gs and all their ancestors, each once.
func ancestorsOf(gs []*group) []*group {
	seen := map[*group]bool{}
	var out []*group
	var visit func(g *group)
	visit = func(g *group) {
		if seen[g] {
			return
		}
		seen[g] = true
		out = append(out, g)
		for _, p := range g.parents {
			visit(p)
		}
	}
	for _, g := range gs {
		visit(g)
	}
	return out
}

func groupNames(gs []*group) []string {
	names := make([]string, 0, len(gs))
	for _, g := range gs {
		if g.name != "all" {
			names = append(names, g.name)
		}
	}
	sort.Strings(names)
	return names
}

// computeDepths sets each group's depth: the longest path from all.
func (inv *Inventory) computeDepths() {
	memo := map[*group]int{}
	var depth func(g *group) int
	depth = func(g *group) int {
		if d, ok := memo[g]; ok {
			return d
		}
		memo[g] = 0
		d := 0
		for _, p := range g.parents {
			d = max(d, depth(p)+1)
		}
		memo[g] = d
		return d
	}
	for _, g := range inv.groupOrder {
		g.depth = depth(g)
	}
}

// sortGroups orders groups as Ansible merges their vars: by depth, then
// priority, then name.
func sortGroups(gs []*group) []*group {
	out := append([]*group(nil), gs...)
	sort.SliceStable(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.depth != b.depth {
			return a.depth < b.depth
		}
		if a.priority != b.priority {
			return a.priority < b.priority
		}
		return a.name < b.name
	})
	return out
}

// groupHosts lists the hosts of g and of its descendants, in Ansible's
// order: the group's own hosts, then those of its children level by level.
func (inv *Inventory) groupHosts(g *group) []*Host {
	if g.hostCache != nil {
		return g.hostCache
	}
	var out []*Host
	seen := map[*Host]bool{}
	for _, kid := range g.descendants() {
		for _, h := range kid.hosts {
			if !seen[h] {
				seen[h] = true
				out = append(out, h)
			}
		}
	}
	if out == nil {
		out = []*Host{}
	}
	g.hostCache = out
	return out
}

// descendants returns g, its children, then deeper generations, each level
// in the order of the previous level's children.
func (g *group) descendants() []*group {
	ordered := []*group{g}
	seen := map[*group]bool{g: true}
	level := []*group{g}
	for len(level) > 0 {
		var next []*group
		for _, p := range level {
			for _, c := range p.children {
				if !seen[c] {
					seen[c] = true
					ordered = append(ordered, c)
					next = append(next, c)
				}
			}
		}
		level = next
	}
	return ordered
}

func copyVars(m map[string]any) map[string]any {
	out := make(map[string]any, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

func suggestHint(word string, candidates []string) string { return suggest.Hint(word, candidates) }
