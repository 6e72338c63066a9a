package tasks

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"math"
	"path"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/drover/drover/transport"
)

// AsyncDir is where async jobs keep their status files on the host, as
// Ansible's async_wrapper does (ANSIBLE_ASYNC_DIR's default).
const AsyncDir = "~/.ansible_async"

func init() {
	Register(&Spec{
		Name: "async_status",
		Args: []Arg{
			{Name: "jid", Type: Str, Required: true},
			{Name: "mode", Type: Str, Default: "status", Choices: []string{"status", "cleanup"}},
		},
		Run: runAsyncStatus,
	})
}

// runAsyncStatus reports on (mode status) or removes (mode cleanup) the
// job jid started with async and poll: 0, as Ansible's async_status: the
// job's result with finished: 1 once it ended, started: 1 and finished: 0
// while it runs.
func runAsyncStatus(ctx context.Context, c *Call) (*Result, error) {
	jid := c.Args.Str("jid")
	if strings.ContainsAny(jid, "/\x00") || jid == "" || jid == "." || jid == ".." {
		return Failf("invalid job id %q", jid), nil
	}
	file := path.Join(AsyncDir, jid)
	full, err := ExpandUser(ctx, c.Conn, file)
	if err != nil {
		return nil, err
	}
	r := &Result{Values: map[string]any{"ansible_job_id": jid, "started": 0, "finished": 0}}
	setOutput(r, "", "")
	data, err := readHostFile(ctx, c.Conn, file)
	if errors.Is(err, fs.ErrNotExist) {
		r.Failed, r.Msg = true, "could not find job"
		r.Values["started"], r.Values["finished"] = 1, 1
		if c.Args.Str("mode") == "status" {
			r.Values["results_file"] = full
		} else {
			r.Values["erased"] = full
		}
		return r, nil
	}
	if err != nil {
		return nil, err
	}
	if c.Args.Str("mode") == "cleanup" {
		for _, suffix := range []string{"", ".out", ".err"} {
			if err := c.Conn.Remove(ctx, hostPath(c.Conn, file+suffix)); err != nil && !errors.Is(err, fs.ErrNotExist) {
				return nil, err
			}
		}
		r.Values["erased"] = full
		return r, nil
	}
	r.Values["results_file"], r.Values["started"] = full, 1
	var job map[string]any
	if json.Unmarshal(data, &job) != nil {
		return r, nil
	}
	if err := jobOutput(ctx, c.Conn, file, job); err != nil {
		return nil, err
	}
	return jobResult(r, jid, job), nil
}

// jobResult merges a job file's data into the async_status result, as the
// async_status module and action do.
func jobResult(r *Result, jid string, job map[string]any) *Result {
	if _, ok := job["started"]; !ok {
		job["finished"], job["ansible_job_id"] = 1, jid
	} else if _, ok := job["finished"]; !ok {
		job["finished"] = 0
	}
	for k, v := range job {
		switch k {
		case "changed":
			r.Changed, _ = ToBool(v)
		case "failed":
			r.Failed, _ = ToBool(v)
		case "skipped":
			r.Skipped, _ = ToBool(v)
		case "msg":
			r.Msg, _ = ToStr(v)
			r.Values["msg"] = v
		default:
			r.Values[k] = v
		}
	}
	for _, k := range []string{"started", "finished"} {
		n, _ := ToInt(r.Values[k])
		r.Values[k] = n
	}
	return r
}

// jobOutput completes a finished job started by drover (the job file then
// holds "drover_output"): its output files and times become the command
// module's return values.
func jobOutput(ctx context.Context, conn transport.Conn, file string, job map[string]any) error {
	if job["drover_output"] != true {
		return nil
	}
	delete(job, "drover_output")
	out, err := readHostFile(ctx, conn, file+".out")
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	errOut, err := readHostFile(ctx, conn, file+".err")
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	stdout, stderr := strings.TrimRight(string(out), "\r\n"), strings.TrimRight(string(errOut), "\r\n")
	job["stdout"], job["stdout_lines"] = stdout, Lines(stdout)
	job["stderr"], job["stderr_lines"] = stderr, Lines(stderr)
	start, end := epochTime(job["start"]), epochTime(job["end"])
	job["start"], job["end"], job["delta"] = ansibleTime(start), ansibleTime(end), ansibleDelta(end.Sub(start))
	rc, _ := ToInt(job["rc"])
	job["rc"], job["changed"], job["msg"] = rc, true, ""
	if rc != 0 {
		job["failed"], job["msg"] = true, "non-zero return code"
	}
	return nil
}

// epochTime reads `date +%s.%N` output (a shell without %N leaves it
// literal: the whole seconds are kept).
func epochTime(v any) time.Time {
	s, _ := v.(string)
	sec, frac, _ := strings.Cut(s, ".")
	n, _ := strconv.ParseInt(sec, 10, 64)
	ns := 0
	if f, err := strconv.ParseFloat("0."+frac, 64); err == nil {
		ns = int(math.Round(f * 1e9))
	}
	return time.Unix(n, int64(ns))
}

func readHostFile(ctx context.Context, conn transport.Conn, file string) ([]byte, error) {
	if conn == nil {
		return nil, errors.New("async_status has no connection to the host")
	}
	var b bytes.Buffer
	if err := conn.Get(ctx, hostPath(conn, file), &b); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// StartAsync starts a command or shell task (c, the module's call) detached
// on the host, for async with poll: 0, and returns at once with Ansible's
// result for it (ansible_job_id, results_file, started: 1, finished: 0).
// As Ansible's async_wrapper, the job writes its status to
// ~/.ansible_async/JID ({"started": 1, "finished": 0} while it runs), and its
// output beside it; async_status reads them. limit (seconds) ends a job
// that runs longer, as the wrapper's watchdog does.
func StartAsync(ctx context.Context, c *Call, jid string, limit int) (*Result, error) {
	if c.Args.Has("stdin") || c.Args.Has("creates") || c.Args.Has("removes") {
		return Failf("async with poll: 0 runs command and shell without stdin, creates or removes in drover"), nil
	}
	tc, display, err := commandLine(c, c.Module == "shell")
	if err != nil {
		return Failf("%v", err), nil
	}
	cmdJSON, _ := json.Marshal(display)
	script := asyncScript(jid, tc, c.Environment, string(cmdJSON), limit)
	res, err := c.Conn.Run(ctx, transport.Command{Shell: script})
	if err != nil {
		return nil, err
	}
	if res.ExitCode != 0 {
		return Failf("could not start the async job: %s", strings.TrimSpace(string(res.Stderr))), nil
	}
	full, err := ExpandUser(ctx, c.Conn, path.Join(AsyncDir, jid))
	if err != nil {
		return nil, err
	}
	r := Changed().Set("ansible_job_id", jid).Set("results_file", full).Set("started", 1).Set("finished", 0)
	return r, nil
}

// asyncScript is the shell command that writes the job's first status and
// starts the job in a session of its own, its output in JID.out and
// JID.err and its end status (rc, start and end times) in JID.
func asyncScript(jid string, tc transport.Command, env map[string]string, cmdJSON string, limit int) string {
	var job strings.Builder
	job.WriteString(`j="$1"; s=$(date +%s.%N); `)
	keys := make([]string, 0, len(env))
	for k := range env {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		fmt.Fprintf(&job, "export %s=%s; ", k, transport.Quote(env[k]))
	}
	run := quoteArgv(tc.Argv)
	if limit > 0 {
		run = fmt.Sprintf("timeout -s KILL %d %s", limit, run)
	}
	if tc.Dir != "" {
		run = "cd " + transport.Quote(tc.Dir) + " && " + run
	}
	fmt.Fprintf(&job, `( %s ) >"$j.out" 2>"$j.err" </dev/null; rc=$?; e=$(date +%%s.%%N); `, run)
	prefix := fmt.Sprintf(`{"started": 1, "finished": 1, "ansible_job_id": %q, "drover_output": true, "cmd": %s`, jid, cmdJSON)
	fmt.Fprintf(&job, `{ printf '%%s' %s; printf ', "rc": %%d, "start": "%%s", "end": "%%s"}' "$rc" "$s" "$e"; } >"$j.tmp" && mv "$j.tmp" "$j"`,
		transport.Quote(prefix))
	status := fmt.Sprintf(`{"started": 1, "finished": 0, "ansible_job_id": %q}`, jid)
	return fmt.Sprintf(`d="$HOME/.ansible_async"; j="$d/%s"; mkdir -p "$d" && printf '%%s' %s >"$j.tmp" && mv "$j.tmp" "$j" || exit 1; `+
		`if command -v setsid >/dev/null 2>&1; then set -- setsid; else set -- nohup; fi; "$@" sh -c %s sh "$j" >/dev/null 2>&1 </dev/null &`,
		jid, transport.Quote(status), transport.Quote(job.String()))
}

func quoteArgv(argv []string) string {
	q := make([]string, len(argv))
	for i, a := range argv {
		q[i] = transport.Quote(a)
	}
	return strings.Join(q, " ")
}

// NewJobID returns a job id in Ansible's form: "j", twelve random digits,
// "." and a number.
func NewJobID(n int64, pid int) string {
	return fmt.Sprintf("j%012d.%d", n%1_000_000_000_000, pid)
}
