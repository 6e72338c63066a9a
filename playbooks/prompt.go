package playbooks

import (
	"context"
	"fmt"

	"github.com/drover/drover/internal/jinja"
	"github.com/drover/drover/tasks"
)

// prompt asks the play's vars_prompt questions not answered by extra vars,
// as ansible-playbook does: "PROMPT [DEFAULT]: ", asked twice with
// confirm, an empty answer taking the default; without a terminal nothing
// is asked (with Ansible's warning) and the default is used (the text
// "None" when there is none, as Ansible's to_text(None)). encrypt hashes the
// answer as the password_hash filter does; unsafe keeps it from being
// templated.
func (r *run) prompt(ctx context.Context, ps *playState) error {
	ps.prompted = map[string]any{}
	warned := false
	for _, pr := range ps.play.VarsPrompt {
		if _, ok := r.extraVars[pr.Name]; ok {
			continue
		}
		q, def, err := r.promptText(ps, pr)
		if err != nil {
			return err
		}
		var ans string
		answered := false
		if r.opts.Prompt == nil {
			if !warned {
				r.out.Warn("Not prompting as we are not in interactive mode")
				warned = true
			}
		} else if ans, err = r.ask(ctx, q, pr); err != nil {
			return err
		} else {
			answered = ans != ""
		}
		value, err := r.promptValue(pr, ans, answered, def)
		if err != nil {
			return fmt.Errorf("%s: vars_prompt %s: %v", ps.play.Pos, pr.Name, err)
		}
		ps.prompted[pr.Name] = value
	}
	return nil
}

// promptText templates the question and the default with the play's
// variables.
func (r *run) promptText(ps *playState, pr Prompt) (string, *string, error) {
	tmpl := func(s string) (string, error) {
		v, err := r.env.Template(s, ps.playScope())
		if err != nil {
			return "", fmt.Errorf("%s: vars_prompt %s: %v", ps.play.Pos, pr.Name, err)
		}
		out, _ := tasks.ToStr(jinja.ToPlain(v))
		return out, nil
	}
	q := pr.Prompt
	if q == "" {
		q = pr.Name
	}
	q, err := tmpl(q)
	if err != nil {
		return "", nil, err
	}
	if !pr.HasDefault {
		return q + ": ", nil, nil
	}
	def, err := tmpl(pr.Default)
	if err != nil {
		return "", nil, err
	}
	return q + " [" + def + "]: ", &def, nil
}

// ask asks q, twice until both answers match when the prompt confirms.
func (r *run) ask(ctx context.Context, q string, pr Prompt) (string, error) {
	for {
		ans, err := r.opts.Prompt(ctx, q, !pr.Private)
		if err != nil || !pr.Confirm {
			return ans, err
		}
		again, err := r.opts.Prompt(ctx, "confirm "+q, !pr.Private)
		if err != nil {
			return "", err
		}
		if ans == again {
			return ans, nil
		}
		r.out.Warn("***** VALUES ENTERED DO NOT MATCH ****")
	}
}

// promptValue is the variable's value: the answer, or the default, hashed
// when encrypt is set, wrapped as unsafe when unsafe is set.
func (r *run) promptValue(pr Prompt, ans string, answered bool, def *string) (any, error) {
	value := ans
	if !answered {
		switch {
		case def != nil:
			value = *def
		case r.opts.Prompt == nil:
			value = "None"
		}
	}
	if pr.Encrypt != "" {
		vars := jinja.MapVars{"v": value, "t": pr.Encrypt, "salt": nil, "size": nil}
		if pr.Salt != "" {
			vars["salt"] = pr.Salt
		}
		if pr.SaltSize > 0 {
			vars["size"] = pr.SaltSize
		}
		h, err := r.env.Eval("v | password_hash(t, salt=salt, salt_size=size)", vars)
		if err != nil {
			return nil, err
		}
		value, _ = tasks.ToStr(jinja.ToPlain(h))
	}
	if pr.Unsafe {
		return jinja.Unsafe{V: value}, nil
	}
	return value, nil
}
