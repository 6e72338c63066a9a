package playbooks

import (
	"sort"
	"strings"
)

// ListedPlay is what --list-hosts, --list-tasks and --list-tags show of a
// play.
type ListedPlay struct {
	Name     string
	Patterns []string
	Hosts    []string
	Tags     []string
	Tasks    []ListedTask
}

// ListedTask is one task that would run (after -t/--skip-tags).
type ListedTask struct {
	Name string
	Tags []string
}

// List describes the plays of pb as they would run with opts, without
// touching any host: the hosts they select and the tasks the tags keep.
func List(pb *Playbook, opts Options) ([]ListedPlay, error) {
	r := newRun(opts)
	var out []ListedPlay
	for _, p := range pb.Plays {
		ps := &playState{run: r, play: p}
		lp := ListedPlay{Name: p.Name, Patterns: p.Hosts, Tags: asTags(p.Kw["tags"])}
		pats, err := r.templatePatterns(ps, p.Hosts)
		if err != nil {
			return nil, err
		}
		if lp.Hosts, err = r.selectHosts(pats); err != nil {
			return nil, err
		}
		for _, list := range [][]*Task{p.PreTasks, p.RoleBlocks, p.Tasks, p.PostTasks} {
			lp.Tasks = append(lp.Tasks, ps.listTasks(list)...)
		}
		out = append(out, lp)
	}
	return out, nil
}

func (ps *playState) listTasks(list []*Task) []ListedTask {
	var out []ListedTask
	for _, t := range list {
		if t.IsBlock {
			out = append(out, ps.listTasks(t.Block)...)
			out = append(out, ps.listTasks(t.Rescue)...)
			out = append(out, ps.listTasks(t.Always)...)
			continue
		}
		if t.Action == "meta" || !ps.tagsMatch(t) {
			continue
		}
		name := t.DisplayName()
		if t.Role != nil {
			name = t.Role.Name + " : " + name
		}
		if t.Action == "include_tasks" {
			name = "include_tasks: " + strings.TrimSpace(includeFile(t.Args))
		}
		var tags []string
		for tag := range ps.taskTags(t) {
			tags = append(tags, tag)
		}
		sort.Strings(tags)
		out = append(out, ListedTask{Name: name, Tags: tags})
	}
	return out
}
