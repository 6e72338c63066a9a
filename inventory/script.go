package inventory

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os/exec"
	"strings"
	"syscall"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/drover/drover/internal/pyfmt"
	"github.com/drover/drover/internal/yamlx"
)

// runScript runs a dynamic inventory script with args and returns its
// standard output. Failing to start, a non-zero exit and running past the
// timeout are errors naming the script.
func (inv *Inventory) runScript(ctx context.Context, path string, args ...string) ([]byte, error) {
	timeout := inv.opts.ScriptTimeout
	if timeout <= 0 {
		timeout = DefaultScriptTimeout
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, path, args...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	cmd.WaitDelay = time.Second
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	if ctx.Err() == context.DeadlineExceeded {
		return nil, fmt.Errorf("inventory script %s %s: no answer within %s", path, strings.Join(args, " "), timeout)
	}
	if errors.Is(err, syscall.ENOEXEC) {
		return nil, err
	}
	var exitErr *exec.ExitError
	if errors.As(err, &exitErr) {
		return nil, fmt.Errorf("inventory script %s %s failed (%v): %s", path, strings.Join(args, " "), exitErr, strings.TrimSpace(stderr.String()))
	}
	if err != nil {
		return nil, fmt.Errorf("inventory script %s: %w", path, err)
	}
	return stdout.Bytes(), nil
}

// parseScript reads a dynamic inventory: the JSON that `SCRIPT --list`
// prints, with host variables from _meta.hostvars or, when _meta is absent,
// from `SCRIPT --host NAME` for each host.
func (inv *Inventory) parseScript(ctx context.Context, path string) error {
	out, err := inv.runScript(ctx, path, "--list")
	if err != nil {
		return err
	}
	f, err := yamlx.ParseJSON(path+" --list", out)
	if err != nil {
		return fmt.Errorf("inventory script %s printed invalid JSON: %w", path, err)
	}
	root := f.Docs[0]
	if root.Kind != yaml.MappingNode {
		return fmt.Errorf("inventory script %s must print a JSON object, got a %s", path, yamlx.KindName(root))
	}
	var hosts []*Host
	var meta *yaml.Node
	for i := 0; i+1 < len(root.Content); i += 2 {
		name, data := root.Content[i].Value, root.Content[i+1]
		if name == "_meta" {
			meta = data
			continue
		}
		hs, err := inv.scriptGroup(f, name, data)
		if err != nil {
			return err
		}
		hosts = append(hosts, hs...)
	}
	return inv.scriptHostVars(ctx, path, f, meta, hosts)
}

func (inv *Inventory) scriptGroup(f *yamlx.File, name string, data *yaml.Node) ([]*Host, error) {
	name = inv.groupName(name)
	inv.addGroup(name)
	fields := map[string]*yaml.Node{}
	if data.Kind == yaml.MappingNode {
		for i := 0; i+1 < len(data.Content); i += 2 {
			fields[data.Content[i].Value] = data.Content[i+1]
		}
	}
	switch {
	case data.Kind != yaml.MappingNode:
		fields = map[string]*yaml.Node{"hosts": data}
	case fields["hosts"] == nil && fields["vars"] == nil && fields["children"] == nil:
		fields = map[string]*yaml.Node{"hosts": {Kind: yaml.SequenceNode, Content: []*yaml.Node{{Kind: yaml.ScalarNode, Tag: "!!str", Style: yaml.DoubleQuotedStyle, Value: name}}}, "vars": data}
	}
	var hosts []*Host
	if hn := fields["hosts"]; hn != nil {
		if hn.Kind != yaml.SequenceNode {
			return nil, f.Errorf(hn, "group %q has bad data for the host list: expected a list of host names", name)
		}
		for _, item := range hn.Content {
			if item.Kind != yaml.ScalarNode || item.Tag != "!!str" {
				return nil, f.Errorf(item, "group %q: host names must be strings", name)
			}
			h, err := inv.addHost(item.Value, name, 0)
			if err != nil {
				return nil, f.Errorf(item, "%v", err)
			}
			hosts = append(hosts, h)
		}
	}
	if vn := fields["vars"]; vn != nil {
		v, err := f.Value(vn, inv.valueOptions())
		if err != nil {
			return nil, err
		}
		m, ok := v.(map[string]any)
		if !ok {
			return nil, f.Errorf(vn, "group %q has bad data for variables: expected an object", name)
		}
		for _, k := range pyfmt.SortedKeys(m) {
			if err := inv.setGroupVar(inv.groups[name], k, m[k]); err != nil {
				return nil, f.Errorf(vn, "%v", err)
			}
		}
	}
	if cn := fields["children"]; cn != nil {
		if err := inv.scriptChildren(f, name, cn); err != nil {
			return nil, err
		}
	}
	return hosts, nil
}

func (inv *Inventory) scriptChildren(f *yamlx.File, parent string, cn *yaml.Node) error {
	var names []*yaml.Node
	switch cn.Kind {
	case yaml.SequenceNode:
		names = cn.Content
	case yaml.MappingNode:
		for i := 0; i < len(cn.Content); i += 2 {
			names = append(names, cn.Content[i])
		}
	default:
		return f.Errorf(cn, "group %q: children must be a list of group names", parent)
	}
	for _, n := range names {
		if n.Kind != yaml.ScalarNode || n.Tag != "!!str" {
			return f.Errorf(n, "group %q: child group names must be strings", parent)
		}
		child := inv.groupName(n.Value)
		inv.addGroup(child)
		if err := inv.addChild(parent, child); err != nil {
			return f.Errorf(n, "%v", err)
		}
	}
	return nil
}

func (inv *Inventory) scriptHostVars(ctx context.Context, path string, f *yamlx.File, meta *yaml.Node, hosts []*Host) error {
	var hostvars *yaml.Node
	if meta != nil && meta.Kind == yaml.MappingNode {
		for i := 0; i+1 < len(meta.Content); i += 2 {
			if meta.Content[i].Value == "hostvars" {
				hostvars = meta.Content[i+1]
			}
		}
	}
	var all map[string]any
	if hostvars != nil {
		v, err := f.Value(hostvars, inv.valueOptions())
		if err != nil {
			return err
		}
		m, ok := v.(map[string]any)
		if !ok {
			return f.Errorf(hostvars, "_meta.hostvars must be an object of host names to variables")
		}
		all = m
	}
	done := map[*Host]bool{}
	for _, h := range hosts {
		if done[h] {
			continue
		}
		done[h] = true
		vars, err := inv.scriptVarsOf(ctx, path, h.Name, all, hostvars != nil)
		if err != nil {
			return err
		}
		mergeInto(h.vars, vars)
	}
	return nil
}

func (inv *Inventory) scriptVarsOf(ctx context.Context, path, host string, all map[string]any, haveMeta bool) (map[string]any, error) {
	if haveMeta {
		v, ok := all[host]
		if !ok || v == nil {
			return nil, nil
		}
		m, ok := v.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("inventory script %s: _meta.hostvars.%s must be an object", path, host)
		}
		return m, nil
	}
	out, err := inv.runScript(ctx, path, "--host", host)
	if err != nil {
		return nil, err
	}
	if strings.TrimSpace(string(out)) == "" {
		return nil, nil
	}
	f, err := yamlx.Load(path+" --host "+host, out, inv.opts.Decrypt)
	if err != nil {
		return nil, fmt.Errorf("inventory script %s --host %s printed invalid output: %w", path, host, err)
	}
	if len(f.Docs) == 0 {
		return nil, nil
	}
	v, err := f.Value(f.Docs[0], inv.valueOptions())
	if err != nil {
		return nil, err
	}
	m, ok := v.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("inventory script %s --host %s must print a JSON object", path, host)
	}
	return m, nil
}
