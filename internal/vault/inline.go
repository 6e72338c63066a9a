package vault

import "strings"

// inlineIndent is the indentation ansible-vault encrypt_string gives the
// lines of an inline value.
const inlineIndent = 10

// FormatInline formats vault data as a YAML "!vault |" block scalar the
// way ansible-vault encrypt_string prints it: "NAME: !vault |" (or just
// "!vault |" without a name) followed by the envelope's lines indented by
// ten spaces. There is no trailing newline.
func FormatInline(ciphertext []byte, name string) string {
	var b strings.Builder
	if name != "" {
		b.WriteString(name + ": ")
	}
	b.WriteString("!vault |")
	for line := range strings.SplitSeq(strings.TrimRight(string(ciphertext), "\n"), "\n") {
		b.WriteString("\n" + strings.Repeat(" ", inlineIndent) + line)
	}
	return b.String()
}
