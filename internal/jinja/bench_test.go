package jinja

import (
	"fmt"
	"strings"
	"testing"
)

// BenchmarkTaskArg templates a typical task argument: three variables and a
// filter (compiled once, rendered per host).
func BenchmarkTaskArg(b *testing.B) {
	e := New()
	vars := MapVars{"base_dir": "/etc/app", "app_name": "MyApp", "mode": "0644"}
	src := "dest={{ base_dir }}/{{ app_name | lower }}.conf mode={{ mode }}"
	b.ReportAllocs()
	for b.Loop() {
		v, err := e.Template(src, vars)
		if err != nil || v != "dest=/etc/app/myapp.conf mode=0644" {
			b.Fatal(v, err)
		}
	}
}

// BenchmarkTruth evaluates a typical when: condition.
func BenchmarkTruth(b *testing.B) {
	e := New()
	vars := MapVars{"result": map[string]any{"rc": 0, "changed": true}, "env": "prod"}
	b.ReportAllocs()
	for b.Loop() {
		ok, err := e.Truth("result.rc == 0 and env in ['prod', 'stage'] and result is changed", vars)
		if err != nil || !ok {
			b.Fatal(ok, err)
		}
	}
}

const benchFile = `# {{ ansible_managed | default('managed by drover') }}
user {{ nginx_user }};
worker_processes {{ ansible_processor_vcpus | default(2) }};
pid /run/nginx.pid;

events {
    worker_connections {{ worker_connections }};
}

http {
    sendfile on;
    tcp_nopush on;
    keepalive_timeout {{ keepalive | int }};
    types_hash_max_size 2048;
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    gzip {{ 'on' if settings.gzip else 'off' }};
    server_tokens {{ 'on' if server_tokens else 'off' }};

    access_log {{ log_dir }}/access.log;
    error_log {{ log_dir }}/error.log;

{% for upstream in upstreams %}
    upstream {{ upstream.name }} {
{% for server in upstream.servers %}
        server {{ server.host }}:{{ server.port | default(80) }}{% if server.backup | default(false) %} backup{% endif %};
{% endfor %}
    }
{% endfor %}

{% for site in sites if site.enabled %}
    server {
        listen {{ site.port }};
        server_name {{ site.names | join(' ') }};
        root {{ site.root }};
{% if site.tls is defined %}
        ssl_certificate {{ site.tls.cert }};
        ssl_certificate_key {{ site.tls.key }};
{% endif %}
{% for loc in site.locations | default([]) %}
        location {{ loc.path }} {
            proxy_pass http://{{ loc.upstream }};
        }
{% endfor %}
    }
{% endfor %}
    # {{ sites | selectattr('enabled') | list | length }} sites enabled
    # upstream names: {{ upstreams | map(attribute='name') | join(', ') }}
    # settings: {{ settings | to_json }}
}
`

func benchFileVars() MapVars {
	servers := func(n int) []any {
		var out []any
		for i := 0; i < n; i++ {
			out = append(out, map[string]any{"host": fmt.Sprintf("10.0.0.%d", i+1), "port": 8080 + i})
		}
		return out
	}
	return MapVars{
		"nginx_user": "www-data", "worker_connections": 1024, "keepalive": "65", "server_tokens": false,
		"log_dir": "/var/log/nginx", "settings": map[string]any{"gzip": true, "level": 5},
		"upstreams": []any{
			map[string]any{"name": "app", "servers": servers(3)},
			map[string]any{"name": "api", "servers": servers(2)},
		},
		"sites": []any{
			map[string]any{"enabled": true, "port": 443, "names": []any{"example.com", "www.example.com"}, "root": "/srv/www",
				"tls":       map[string]any{"cert": "/etc/ssl/x.pem", "key": "/etc/ssl/x.key"},
				"locations": []any{map[string]any{"path": "/api", "upstream": "api"}, map[string]any{"path": "/", "upstream": "app"}}},
			map[string]any{"enabled": false, "port": 80, "names": []any{"old.example.com"}, "root": "/srv/old"},
			map[string]any{"enabled": true, "port": 8080, "names": []any{"internal"}, "root": "/srv/int"},
		},
	}
}

// BenchmarkTemplateFile renders a 50-line nginx.conf template.
func BenchmarkTemplateFile(b *testing.B) {
	if n := strings.Count(benchFile, "\n"); n != 50 {
		b.Fatalf("bench template has %d lines, want 50", n)
	}
	e := New()
	vars := benchFileVars()
	src := []byte(benchFile)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := e.RenderFile("nginx.conf.j2", src, vars); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkCompileTaskArg measures a cold parse (cache miss).
func BenchmarkCompileTaskArg(b *testing.B) {
	e := New()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := e.parse("", "dest={{ base_dir }}/{{ app_name | lower }}.conf mode={{ mode }}", modeString, FileOptions); err != nil {
			b.Fatal(err)
		}
	}
}

func TestBenchFileRenders(t *testing.T) {
	out, err := New().RenderFile("nginx.conf.j2", []byte(benchFile), benchFileVars())
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"server 10.0.0.2:8081;", "server_name example.com www.example.com;", "# 2 sites enabled",
		`# settings: {"gzip": true, "level": 5}`, "server_tokens off;", "worker_processes 2;"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
}

// BenchmarkRegexFilters templates the regex filters and tests as task
// arguments and conditions use them (patterns compiled once, then cached).
func BenchmarkRegexFilters(b *testing.B) {
	e := New()
	vars := MapVars{"host": "web-01.example.com"}
	src := `{{ host | regex_replace("^(\w+)-(\d+)\..*$", "\2_\1") }} {{ host is match("web") }} {{ host | regex_search("\d+") }} {{ host is search("example\.com$") }} {{ host | regex_findall("[a-z]+") | length }}`
	b.ReportAllocs()
	for b.Loop() {
		v, err := e.Template(src, vars)
		if err != nil || v != "01_web True 01 True 3" {
			b.Fatal(v, err)
		}
	}
}
