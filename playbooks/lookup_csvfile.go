package playbooks

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/drover/drover/tasks"
)

// The csvfile lookup plugin: a column of the first row of a CSV (by
// default tab-separated) file whose first column is the key.

// csvfileOptions are the csvfile plugin's options, as keyword options or
// key=value words after the key.
var csvfileOptions = []string{"col", "default", "delimiter", "file", "encoding"}

// csvfileParams are one term's settings.
type csvfileParams struct {
	file, delimiter, encoding, col string
	def                            any
}

// lookupCsvfile is the csvfile plugin.
func lookupCsvfile(lc *lookupCtx, terms []any, opts lookupOpts) ([]any, error) {
	var out []any
	for _, term := range terms {
		key, p, err := csvfileTerm(pyStr(term), opts)
		if err != nil {
			return nil, err
		}
		path, found := lc.findInSearchPath("files", p.file, false)
		if !found {
			return nil, unhandledErrorf("csvfile: [Errno 2] No such file or directory: b'None'")
		}
		v, ok, err := lc.readCSV(path, key, p)
		if err != nil {
			return nil, unhandledErrorf("csvfile: %v", err)
		}
		if ok {
			out = append(out, v)
		} else if p.def != nil {
			out = append(out, p.def)
		}
	}
	return out, nil
}

// csvfileTerm reads a term: the key, then key=value options overriding
// the keyword options.
func csvfileTerm(term string, opts lookupOpts) (string, *csvfileParams, error) {
	p := &csvfileParams{file: "ansible.csv", delimiter: "TAB", encoding: "utf-8", col: "1"}
	fields := map[string]*string{"file": &p.file, "delimiter": &p.delimiter, "encoding": &p.encoding, "col": &p.col}
	for name, dst := range fields {
		if s, ok := opts.strOpt(name); ok {
			*dst = s
		}
	}
	p.def = opts["default"]
	kv, err := tasks.ParseKV(term, false)
	if err != nil {
		return "", nil, unhandledErrorf("%v", err)
	}
	key, ok := kv[tasks.RawParams].(string)
	if !ok {
		return "", nil, unhandledErrorf("Search key is required but was not found")
	}
	for name, v := range kv {
		if name == tasks.RawParams {
			continue
		}
		if name == "default" {
			p.def = v
			continue
		}
		dst, valid := fields[name]
		if !valid {
			return "", nil, unhandledErrorf("%s is not a valid option", name)
		}
		*dst = pyStr(v)
	}
	if p.delimiter == "TAB" {
		p.delimiter = "\t"
	}
	return key, p, nil
}

// readCSV finds the first row whose first field is key and returns its
// column col; ok is false when no row matches.
func (lc *lookupCtx) readCSV(path, key string, p *csvfileParams) (string, bool, error) {
	col, err := strconv.Atoi(strings.TrimSpace(p.col))
	if err != nil {
		return "", false, fmt.Errorf("invalid literal for int() with base 10: %s", pyRepr(p.col))
	}
	if utf8.RuneCountInString(p.delimiter) != 1 {
		return "", false, errors.New(`"delimiter" must be a 1-character string`)
	}
	b, err := lc.readFile(path)
	if err != nil {
		return "", false, err
	}
	text, err := decodeText(b, p.encoding)
	if err != nil {
		return "", false, err
	}
	r := csv.NewReader(strings.NewReader(text))
	r.Comma, _ = utf8.DecodeRuneInString(p.delimiter)
	r.FieldsPerRecord, r.LazyQuotes = -1, true
	for {
		row, err := r.Read()
		if errors.Is(err, io.EOF) {
			return "", false, nil
		}
		if err != nil {
			return "", false, err
		}
		if len(row) == 0 || row[0] != key {
			continue
		}
		if col < 0 {
			col += len(row)
		}
		if col < 0 || col >= len(row) {
			return "", false, errors.New("list index out of range")
		}
		return row[col], true, nil
	}
}

// decodeText decodes a file's bytes in the encodings drover reads:
// UTF-8 and Latin-1.
func decodeText(b []byte, encoding string) (string, error) {
	switch strings.NewReplacer("_", "-").Replace(strings.ToLower(strings.TrimSpace(encoding))) {
	case "utf-8", "utf8", "u8":
		return string(b), nil
	case "latin-1", "latin1", "iso-8859-1", "iso8859-1", "l1":
		rs := make([]rune, len(b))
		for i, c := range b {
			rs[i] = rune(c)
		}
		return string(rs), nil
	}
	return "", fmt.Errorf("unknown encoding: %s (drover reads utf-8 and latin-1)", encoding)
}
