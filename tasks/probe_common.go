package tasks

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"strconv"
	"time"

	"github.com/drover/drover/tasks/probe"
)

// probeArgs are the arguments every probe module takes.
var probeArgs = []Arg{
	{Name: "target", Type: Str},
	{Name: "port", Type: Int},
	{Name: "timeout", Type: Float, Default: 10.0},
	{Name: "ip_version", Type: Str, Default: "auto", Choices: []string{"4", "6", "auto"}},
	{Name: "via", Type: Str, Default: "controller", Choices: []string{"controller", "host"}},
}

// tlsClientArgs are the TLS client arguments of the probe modules.
var tlsClientArgs = []Arg{
	{Name: "server_name", Aliases: []string{"sni"}, Type: Str},
	{Name: "ca_file", Aliases: []string{"ca_path"}, Type: Str},
	{Name: "client_cert", Type: Str},
	{Name: "client_key", Type: Str},
	{Name: "min_version", Type: Str, Choices: []string{"1.0", "1.1", "1.2", "1.3"}},
	{Name: "insecure", Type: Bool, Default: false},
}

// probeSpec declares a probe module: it runs on the controller and needs
// the host's connection only with via: host.
func probeSpec(name string, args []Arg, run func(ctx context.Context, c *Call) (*Result, error)) *Spec {
	all := append(append([]Arg{}, probeArgs...), args...)
	return &Spec{
		Name: name, Args: all, Controller: true,
		NeedsConn: func(a Args) bool { return a.Str("via") == "host" },
		Run:       run,
	}
}

// origin is where the probe's connections start.
func probeOrigin(c *Call) (probe.Origin, error) {
	if c.Args.Str("via") != "host" {
		return probe.Controller(), nil
	}
	if c.Conn == nil {
		return probe.Origin{}, fmt.Errorf("via: host needs a connection to %s", c.Host)
	}
	return probe.ViaHost(c.Host, c.Conn), nil
}

// probeTimeout is the timeout argument.
func probeTimeout(c *Call) time.Duration {
	return time.Duration(c.Args.Float("timeout") * float64(time.Second))
}

// probeIPVersion is the ip_version argument.
func probeIPVersion(c *Call) probe.IPVersion {
	v, _ := probe.ParseIPVersion(c.Args.Str("ip_version"))
	return v
}

// hostAddr is where the task's host is reached: ansible_host, else its name.
func hostAddr(c *Call) string {
	if c.Var != nil {
		if v, ok := c.Var("ansible_host"); ok && v != nil && fmt.Sprint(v) != "" {
			return fmt.Sprint(v)
		}
	}
	return c.Host
}

// probeTarget is the target argument, or the host's address with port
// (defPort when port is not given).
func probeTarget(c *Call, defPort int) (string, error) {
	if t := c.Args.Str("target"); t != "" {
		return t, nil
	}
	port := c.Args.Int("port")
	if port == 0 {
		port = defPort
	}
	if port == 0 {
		return "", fmt.Errorf("give target (host:port) or port")
	}
	return probeHostPort(hostAddr(c), port), nil
}

// probeHostPort joins an address and a port.
func probeHostPort(addr string, port int) string { return net.JoinHostPort(addr, strconv.Itoa(port)) }

// tlsClient reads the TLS client arguments; ca_file and the client files
// are controller files found beside the playbook.
func tlsClient(c *Call) (probe.TLSClient, error) {
	t := probe.TLSClient{
		ServerName: c.Args.Str("server_name"), MinVersion: c.Args.Str("min_version"), Insecure: c.Args.Bool("insecure"),
	}
	for _, f := range []struct {
		arg string
		dst *string
	}{{"ca_file", &t.CAFile}, {"client_cert", &t.ClientCert}, {"client_key", &t.ClientKey}} {
		name := c.Args.Str(f.arg)
		if name == "" {
			continue
		}
		path, err := findFile(c, name)
		if err != nil {
			return t, fmt.Errorf("%s: %v", f.arg, err)
		}
		*f.dst = path
	}
	return t, nil
}

// findFile locates a controller file named in a task.
func findFile(c *Call, name string) (string, error) {
	if c.Find == nil {
		return name, nil
	}
	return c.Find("files", name)
}

// probeResult turns a probe's typed result and error into the task result:
// the result's fields are the registered values, the error fails the task.
func probeResult(v any, err error, warnings []string) (*Result, error) {
	b, merr := json.Marshal(v)
	if merr != nil {
		return nil, merr
	}
	var values map[string]any
	if merr := json.Unmarshal(b, &values); merr != nil {
		return nil, merr
	}
	r := &Result{Values: values, Warnings: warnings}
	if err != nil {
		r.Failed, r.Msg = true, err.Error()
	}
	return r, nil
}

// convertInto fills dst (a struct with JSON tags) from a module argument
// value (a mapping or a list of mappings).
func convertInto(arg string, v any, dst any) error {
	b, err := json.Marshal(v)
	if err == nil {
		err = json.Unmarshal(b, dst)
	}
	if err != nil {
		return fmt.Errorf("%s: %v", arg, err)
	}
	return nil
}
