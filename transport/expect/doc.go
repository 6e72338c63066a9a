// Package expect drives interactive programs: installers that ask
// questions, passwd, sudo prompts, devices that answer at a prompt.
//
// One engine (Session) works over any output stream and input stream: an
// SSH session with a pseudo-terminal on the host, a telnet line, or a local
// program on a pseudo-terminal held by github.com/Netflix/go-expect
// (StartLocal). A Program is a list of steps; each step waits for one of
// several alternatives (a regular expression, a literal, the end of the
// output, a timeout), reports which one matched, and may answer. Output not
// consumed by a match stays for the next step.
//
// Answers may use the capture groups of the match that triggered them: $1 to
// $9 and ${N} are groups by number, ${name} a named group ((?P<name>...)),
// $$ a single dollar. A dollar followed by anything else, or naming a group
// the pattern does not have, stays as written, so `echo $HOME` is sent
// unchanged. Ansible's form sends its answers verbatim.
//
// Two limits bound a program: an absolute deadline (Program.Timeout) and an
// idle timeout between reads (Program.IdleTimeout); a step may have its own
// timeout. A timeout with no Timeout alternative is a *TimeoutError that
// names the step that waited, what it waited for and the end of the output
// it saw, masked.
//
// Secrets (answers marked secret, and values given in advance) are masked
// with internal/redact in every transcript, log and result, also when an
// echo of one arrives split across two reads. The engine never waits for
// the echo of what it sent.
//
// ParseArgs reads an expect task's arguments, in Ansible's form (command,
// responses, timeout, echo, chdir, creates, removes) or in the step form,
// and Execute runs it and judges the outcome as Ansible's expect module does.
package expect
