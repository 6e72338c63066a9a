package tasks

// What the template lookup plugin (in package playbooks) shares with the
// template module.

// TemplateVars are the template_* variables and ansible_managed that
// Ansible adds while rendering the template file full, named src in the
// task, written to dest ("" for a lookup).
func TemplateVars(src, full, dest string) map[string]any { return templateVars(src, full, dest) }

// TranslateDelims rewrites a template written with custom variable and
// comment delimiters (an empty string keeps the standard one) into
// standard Jinja, as the template module does for variable_start_string
// and its kin.
func TranslateDelims(src, varStart, varEnd, commentStart, commentEnd string) string {
	d := templateDelims{
		{varStart, varEnd, "{{", "}}"},
		{"{%", "%}", "{%", "%}"},
		{commentStart, commentEnd, "{#", "#}"},
	}
	for i := range d {
		if d[i].start == "" {
			d[i].start = d[i].stdStart
		}
		if d[i].end == "" {
			d[i].end = d[i].stdEnd
		}
	}
	return d.translate(src)
}
