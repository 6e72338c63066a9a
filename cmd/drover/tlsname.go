package main

import (
	"fmt"
	"net"
	"strings"

	"github.com/drover/drover/internal/jinja"
	"github.com/drover/drover/inventory"
	"github.com/drover/drover/tasks/probe"
)

// tlsServerName is the TLS name (sent as SNI and checked against the
// certificate) for host h: the --server-name flag templated with h's
// variables; else h's drover_tls_server_name variable (templated too);
// else, when byHost (the port is h's own), its ansible_host when that is a
// DNS name, or its inventory name; else "" (the target's host).
func tlsServerName(flag string, h *inventory.Host, byHost bool) (string, error) {
	if flag != "" {
		return hostTemplate("--server-name", flag, h)
	}
	if v, ok := h.Vars["drover_tls_server_name"]; ok && v != nil && fmt.Sprint(v) != "" {
		return hostTemplate("drover_tls_server_name", fmt.Sprint(v), h)
	}
	if !byHost {
		return "", nil
	}
	if addr := hostAddress(h); net.ParseIP(addr) == nil {
		return addr, nil
	}
	return h.Name, nil
}

// hostTLSClient is the flags' TLS client for host h, its server name
// resolved by tlsServerName.
func hostTLSClient(c probe.TLSClient, h *inventory.Host, byHost bool) (probe.TLSClient, error) {
	name, err := tlsServerName(c.ServerName, h, byHost)
	c.ServerName = name
	return c, err
}

// hostTemplate renders a flag's or variable's template s with h's
// variables (and inventory_hostname, inventory_hostname_short,
// group_names); what names s in errors.
func hostTemplate(what, s string, h *inventory.Host) (string, error) {
	if !strings.Contains(s, "{{") && !strings.Contains(s, "{%") {
		return s, nil
	}
	vars := jinja.MapVars{"inventory_hostname": h.Name, "inventory_hostname_short": strings.SplitN(h.Name, ".", 2)[0],
		"group_names": h.Groups}
	for k, v := range h.Vars {
		vars[k] = v
	}
	out, err := jinja.New().Template(s, vars)
	if err != nil {
		return "", fmt.Errorf("%s: %v", what, err)
	}
	return fmt.Sprint(jinja.ToPlain(out)), nil
}
