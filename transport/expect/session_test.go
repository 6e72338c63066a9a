package expect

import (
	"context"
	"errors"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/drover/drover/internal/redact"
)

func TestRunReportsWhichAlternativeMatched(t *testing.T) {
	tests := []struct {
		name   string
		output []string
		alts   []Alternative
		index  int
		text   string
	}{
		{"earliest start wins", []string{"xx Continue? [y/N] then Password:"}, []Alternative{re(`(?i)password:`), lit("Continue? [y/N]")}, 1, "Continue? [y/N]"},
		{"tie goes to the first", []string{"abc"}, []Alternative{re(`a.`), re(`abc`)}, 0, "ab"},
		{"literal is not a regexp", []string{"1+1=2 "}, []Alternative{lit("1+1"), re(`\d=`)}, 0, "1+1"},
		{"match across reads", []string{"Pass", "wo", "rd: "}, []Alternative{re(`Password: $`)}, 0, "Password: "},
		{"eof when nothing matched", []string{"bye"}, []Alternative{re(`never`), {Kind: EOF}}, 1, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sc := newScript(true, tt.output...)
			s := session(t, sc, Options{})
			res, err := s.Run(context.Background(), &Program{Steps: []Step{{Alternatives: tt.alts}}})
			if err != nil {
				t.Fatal(err)
			}
			if m := res.Matches[0]; m.Index != tt.index || m.Text != tt.text {
				t.Fatalf("matched %d %q, want %d %q", m.Index, m.Text, tt.index, tt.text)
			}
		})
	}
}

func TestUnreadOutputStaysForTheNextStep(t *testing.T) {
	sc := newScript(true, "one two three")
	s := session(t, sc, Options{})
	p := &Program{Steps: []Step{step("a", re(`t\w+`)), step("b", re(`t\w+`)), step("c", Alternative{Kind: EOF})}}
	res, err := s.Run(context.Background(), p)
	if err != nil {
		t.Fatal(err)
	}
	got := []string{res.Matches[0].Text, res.Matches[1].Text, res.Matches[1].Before}
	want := []string{"two", "three", " "}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Fatalf("got %q, want %q", got, want)
	}
}

func TestCapturesFillTheAnswer(t *testing.T) {
	sc := newScript(false, "Enter code 4711 for user bob: ")
	s := session(t, sc, Options{})
	alt := re(`code (\d+) for user (?P<user>\w+):`, "$1-${user}-${2}-$$-$HOME-$9")
	if _, err := s.Run(context.Background(), &Program{Steps: []Step{step("code", alt)}}); err != nil {
		t.Fatal(err)
	}
	if got, want := sc.Sent(), "4711-bob-bob-$-$HOME-$9\n"; got != want {
		t.Fatalf("sent %q, want %q", got, want)
	}
}

// TestSecretSplitAcrossReads: the echo of a secret arrives in two reads and
// the program's next prompt follows at once; the engine does not wait for
// the echo, the log masks the secret whole, the registered values keep it,
// and the session's redactor masks it in them.
func TestSecretSplitAcrossReads(t *testing.T) {
	const pw = "hunter2-Secret"
	sc := newScript(false, "Password: ")
	sc.onSend = func(sent string) []string {
		if strings.HasPrefix(sent, pw) {
			return []string{pw[:5], pw[5:] + "\r\nWelcome, code " + pw + "\r\n$ "}
		}
		return nil
	}
	var log strings.Builder
	red := redact.New()
	s := session(t, sc, Options{Log: &log, Redactor: red})
	p := &Program{Steps: []Step{
		step("password", Alternative{Kind: Regexp, Pattern: `Password: `, Answers: []string{pw}, Secret: true}),
		step("welcome", re(`code (\S+)`)),
		step("prompt", re(`\$ $`)),
	}}
	res, err := s.Run(context.Background(), p)
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	if strings.Contains(log.String(), pw[:5]) || strings.Contains(log.String(), pw[5:]) {
		t.Errorf("secret visible in the log %q", log.String())
	}
	if res.Matches[1].Captures[0] != pw || !strings.Contains(res.Transcript(), "> "+pw) {
		t.Errorf("registered values changed: capture %q, transcript\n%s", res.Matches[1].Captures[0], res.Transcript())
	}
	texts := []string{string(res.Output), res.Transcript(), res.Matches[1].Text, res.Matches[1].Captures[0]}
	for _, txt := range texts {
		if shown := red.String(txt); strings.Contains(shown, pw) {
			t.Errorf("secret shown in %q", shown)
		}
	}
	if !strings.Contains(red.String(res.Transcript()), "> "+Mask) {
		t.Errorf("shown transcript does not mask the send:\n%s", red.String(res.Transcript()))
	}
}

func TestTimeoutNamesTheStep(t *testing.T) {
	tests := []struct {
		name  string
		prog  Program
		limit string
	}{
		{"step timeout", Program{Steps: []Step{{Name: "confirm", Timeout: 20 * time.Millisecond, Alternatives: []Alternative{lit("Continue?")}}}}, "step timeout"},
		{"idle timeout", Program{IdleTimeout: 20 * time.Millisecond, Steps: []Step{step("confirm", lit("Continue?"))}}, "idle timeout"},
		{"deadline", Program{Timeout: 20 * time.Millisecond, Steps: []Step{step("confirm", lit("Continue?"))}}, "deadline"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sc := newScript(false, "Installing... token=s3cr3tval done\n")
			s := session(t, sc, Options{Secrets: []string{"s3cr3tval"}})
			_, err := s.Run(context.Background(), &tt.prog)
			var te *TimeoutError
			if !errors.As(err, &te) {
				t.Fatalf("got %v, want a *TimeoutError", err)
			}
			if te.StepName != "step 1 (confirm)" || te.Limit != tt.limit {
				t.Errorf("timeout names %q (%s), want step 1 (confirm) (%s)", te.StepName, te.Limit, tt.limit)
			}
			msg := err.Error()
			if !strings.Contains(msg, "step 1 (confirm)") || !strings.Contains(msg, `literal \"Continue?\"`) && !strings.Contains(msg, `literal "Continue?"`) {
				t.Errorf("message %q does not say which step waited for what", msg)
			}
			if strings.Contains(msg, "s3cr3tval") || !strings.Contains(msg, "token="+Mask) {
				t.Errorf("message %q does not show the masked output", msg)
			}
		})
	}
}

func TestTimeoutAlternative(t *testing.T) {
	sc := newScript(false, "no prompt here")
	s := session(t, sc, Options{})
	p := &Program{IdleTimeout: 10 * time.Millisecond, Steps: []Step{step("prompt", re(`\$ $`), Alternative{Kind: Timeout, Fail: "no prompt after 10ms"})}}
	_, err := s.Run(context.Background(), p)
	var fe *FailError
	if !errors.As(err, &fe) || fe.Index != 1 || !strings.Contains(err.Error(), "no prompt after 10ms") {
		t.Fatalf("got %v, want the timeout alternative's failure", err)
	}
}

func TestEOFWhileWaiting(t *testing.T) {
	sc := newScript(true, "bye")
	s := session(t, sc, Options{})
	_, err := s.Run(context.Background(), &Program{Steps: []Step{step("prompt", re(`\$ $`))}})
	var ee *EOFError
	if !errors.As(err, &ee) || ee.StepName != "step 1 (prompt)" || !errors.Is(err, io.EOF) {
		t.Fatalf("got %v, want an EOFError for step 1", err)
	}
}

func TestSuccessiveAnswers(t *testing.T) {
	sc := newScript(false, "Q: ")
	sc.onSend = func(string) []string { return []string{"Q: "} }
	s := session(t, sc, Options{})
	alt := Alternative{Kind: Regexp, Pattern: "Q: ", Name: "Q:", Answers: []string{"a", "b"}, Successive: true}
	_, err := s.Run(context.Background(), &Program{Steps: []Step{{Alternatives: []Alternative{alt, {Kind: EOF}}, Repeat: true}}})
	var ne *NoResponseError
	if !errors.As(err, &ne) {
		t.Fatalf("got %v, want a NoResponseError", err)
	}
	if want := "No remaining responses for 'Q:', output was 'b'Q: ''"; err.Error() != want {
		t.Errorf("message %q, want %q", err.Error(), want)
	}
	if sc.Sent() != "a\nb\n" {
		t.Errorf("sent %q", sc.Sent())
	}
}

func TestContextCancelStopsAWait(t *testing.T) {
	sc := newScript(false)
	s := session(t, sc, Options{})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := s.Run(ctx, &Program{Steps: []Step{step("x", lit("never"))}})
	if !errors.Is(err, context.Canceled) || !strings.Contains(err.Error(), "step 1 (x)") {
		t.Fatalf("got %v", err)
	}
}

func TestScan(t *testing.T) {
	sc := newScript(true, "abc", "def", "ghi")
	s := session(t, sc, Options{})
	var seen []string
	err := s.Scan(context.Background(), time.Time{}, func(buf []byte, ended bool) (int, bool) {
		seen = append(seen, string(buf))
		if i := strings.Index(string(buf), "e"); i >= 0 {
			return i + 1, true
		}
		return 0, false
	})
	if err != nil {
		t.Fatal(err)
	}
	if last := seen[len(seen)-1]; !strings.HasPrefix(last, "abcde") {
		t.Fatalf("scan saw %q", seen)
	}
	res, err := s.Run(context.Background(), &Program{Steps: []Step{step("rest", Alternative{Kind: EOF})}})
	if err != nil || res.Matches[0].Before != "f"+"ghi" {
		t.Fatalf("after scan: %v %+v", err, res.Matches)
	}
}

func TestStripEscapes(t *testing.T) {
	sc := newScript(true, "\x1b]0;root@host: ~\x07\x1b[01;32mroot@host\x1b[00m:\x1b[01;34m~\x1b", "[00m# ")
	s := session(t, sc, Options{StripEscapes: true})
	res, err := s.Run(context.Background(), &Program{Steps: []Step{step("prompt", re(`^root@host:~# $`))}})
	if err != nil {
		t.Fatal(err, res)
	}
}

func TestCompileErrors(t *testing.T) {
	tests := []struct {
		prog Program
		want string
	}{
		{Program{Steps: []Step{{Name: "a"}}}, "step 1 (a): no alternatives"},
		{Program{Steps: []Step{step("a", re(`(`))}}, "step 1 (a), alternative 1: error parsing regexp"},
		{Program{Steps: []Step{step("", lit(""))}}, "step 1, alternative 1: empty literal"},
		{Program{Steps: []Step{step("", lit("x", "a", "b"))}}, "several answers must be successive"},
	}
	for _, tt := range tests {
		err := tt.prog.Compile()
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("Compile() = %v, want %q", err, tt.want)
		}
	}
}

// TestSettle: a prompt-like match at the end of what was read so far only
// counts when no more output follows.
func TestSettle(t *testing.T) {
	sc := newScript(false, "Please login:", " with care\r\nlogin: ")
	s := session(t, sc, Options{})
	st := Step{Name: "login", Settle: 500 * time.Millisecond, Alternatives: []Alternative{re(`login: ?$`)}}
	res, err := s.Run(context.Background(), &Program{Steps: []Step{st}})
	if err != nil {
		t.Fatal(err)
	}
	if m := res.Matches[0]; m.Before != "Please login: with care\r\n" {
		t.Fatalf("matched after %q", m.Before)
	}
}

// TestLongOutputSearch: a wait through long output, read in many pieces,
// still finds the first match, keeps ^ meaning a line start, and finds a
// prompt split across two reads.
func TestLongOutputSearch(t *testing.T) {
	line := strings.Repeat("building ", 10) + "ok\n"
	var chunks []string
	for i := 0; i < 400; i++ {
		chunks = append(chunks, line)
	}
	chunks = append(chunks, "y abc\n", "abc 1 then Pass", "word: ")
	tests := []struct {
		alt    Alternative
		before int // bytes before the match
	}{
		{re(`(?m)^abc \d`), 400*len(line) + len("y abc\n")},
		{re(`Password: $`), 400*len(line) + len("y abc\nabc 1 then ")},
		{re(`^abc`), -1},
		{lit("y abc"), 400 * len(line)},
	}
	for _, tt := range tests {
		sc := newScript(true, chunks...)
		s := session(t, sc, Options{})
		res, err := s.Run(context.Background(), &Program{Steps: []Step{step("wait", tt.alt, Alternative{Kind: EOF})}})
		if err != nil {
			t.Fatal(err)
		}
		m := res.Matches[0]
		if tt.before < 0 {
			if m.Kind != EOF {
				t.Errorf("%s matched %q", tt.alt.Pattern, m.Text)
			}
			continue
		}
		if m.Kind == EOF || len(m.Before) != tt.before {
			t.Errorf("%s: %v after %d bytes, want %d", tt.alt.Pattern, m.Kind, len(m.Before), tt.before)
		}
	}
}
