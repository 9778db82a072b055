package main

import (
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/appaudit/appaudit/reports"
)

// Help follows the width rules of the reports (streams.width): the
// description's paragraphs and the flags' descriptions wrap to the
// terminal, and an example longer than a line is continued with a
// backslash, so that it can still be pasted into a shell.

// setHelp makes root and every command under it write help and usage laid
// out to width.
func setHelp(root *cobra.Command, width func() int) {
	root.SetUsageFunc(func(c *cobra.Command) error {
		return writeUsage(c.OutOrStderr(), c, width())
	})
	root.SetHelpFunc(func(c *cobra.Command, _ []string) {
		w := c.OutOrStdout()
		text := c.Long
		if text == "" {
			text = c.Short
		}
		if text = strings.TrimRight(text, " \n"); text != "" {
			fmt.Fprintf(w, "%s\n\n", reflow(text, width()))
		}
		if c.Runnable() || c.HasSubCommands() {
			fmt.Fprint(w, c.UsageString())
		}
	})
}

// writeUsage is cobra's usage text with the commands, examples and flags
// laid out to width.
func writeUsage(w io.Writer, c *cobra.Command, width int) error {
	fmt.Fprint(w, "Usage:")
	if c.Runnable() {
		fmt.Fprintf(w, "\n  %s", reports.Wrap(c.UseLine(), width, "    "))
	}
	if c.HasAvailableSubCommands() {
		fmt.Fprintf(w, "\n  %s [command]", c.CommandPath())
	}
	if c.HasExample() {
		fmt.Fprintf(w, "\n\nExamples:\n")
		var lines []string
		for _, line := range strings.Split(c.Example, "\n") {
			lines = append(lines, continueLine(line, width))
		}
		fmt.Fprint(w, strings.Join(lines, "\n"))
	}
	if c.HasAvailableSubCommands() {
		fmt.Fprintf(w, "\n\nAvailable Commands:")
		pad := 0
		for _, sub := range c.Commands() {
			pad = max(pad, len(sub.Name()))
		}
		for _, sub := range c.Commands() {
			if sub.IsAvailableCommand() || sub.Name() == "help" {
				indent := strings.Repeat(" ", pad+3)
				fmt.Fprintf(w, "\n  %-*s %s", pad, sub.Name(), reports.Wrap(sub.Short, width, indent))
			}
		}
	}
	if c.HasAvailableLocalFlags() {
		fmt.Fprintf(w, "\n\nFlags:\n%s", flagUsages(c.LocalFlags(), width))
	}
	if c.HasAvailableInheritedFlags() {
		fmt.Fprintf(w, "\n\nGlobal Flags:\n%s", flagUsages(c.InheritedFlags(), width))
	}
	if c.HasHelpSubCommands() {
		fmt.Fprintf(w, "\n\nAdditional help topics:")
		for _, sub := range c.Commands() {
			if sub.IsAdditionalHelpTopicCommand() {
				fmt.Fprintf(w, "\n  %s", reports.Wrap(sub.CommandPath()+"  "+sub.Short, width, "    "))
			}
		}
	}
	if c.HasAvailableSubCommands() {
		fmt.Fprintf(w, "\n\n%s", reports.Wrap(fmt.Sprintf("Use %q for more information about a command.", c.CommandPath()+" [command] --help"), width, ""))
	}
	fmt.Fprintln(w)
	return nil
}

// flagColumn bounds the column of flag names: a flag whose name and
// value are longer has its description on the next line.
const flagColumn = 30

// flagUsages lists the flags as pflag does (its text, defaults included,
// is pflag's), each description wrapped to width beside its flag, or
// under it when the flag is longer than flagColumn.
func flagUsages(fs *pflag.FlagSet, width int) string {
	type flag struct{ name, usage string }
	var flags []flag
	col := 0
	for _, line := range strings.Split(strings.TrimRight(fs.FlagUsagesWrapped(0), "\n"), "\n") {
		// pflag pads each flag's name to the longest with at least two
		// spaces; the description has no run of two.
		margin := indentOf(line)
		name, usage, _ := strings.Cut(line[margin:], "  ")
		f := flag{line[:margin] + name, strings.TrimSpace(usage)}
		flags = append(flags, f)
		if len(f.name) <= flagColumn {
			col = max(col, len(f.name))
		}
	}
	var b strings.Builder
	indent := strings.Repeat(" ", col+2)
	for i, f := range flags {
		if i > 0 {
			b.WriteString("\n")
		}
		if len(f.name) > col {
			fmt.Fprintf(&b, "%s\n%s", f.name, indent)
		} else {
			fmt.Fprintf(&b, "%-*s  ", col, f.name)
		}
		b.WriteString(reports.Wrap(f.usage, width, indent))
	}
	return b.String()
}

// reflow wraps a command's description to width when a line of it is
// wider, block by block (blocks
// are separated by blank lines). A block of lines that start at the
// margin is a paragraph. An indented block is a list: a line at its
// smallest indent starts an item, more indented lines continue it, and an
// item is wrapped under where its continuation lines start, its marker
// ("0  ", "- ") kept.
func reflow(text string, width int) string {
	fits := true
	for _, l := range strings.Split(text, "\n") {
		fits = fits && len(l) <= width
	}
	if fits {
		return text // as its author wrapped it
	}
	var out []string
	for _, block := range strings.Split(text, "\n\n") {
		lines := strings.Split(block, "\n")
		margin := -1
		for _, l := range lines {
			if strings.TrimSpace(l) != "" && (margin < 0 || indentOf(l) < margin) {
				margin = indentOf(l)
			}
		}
		if margin <= 0 {
			out = append(out, reports.Wrap(block, width, ""))
			continue
		}
		var items [][]string
		for _, l := range lines {
			if indentOf(l) == margin || len(items) == 0 {
				items = append(items, nil)
			}
			items[len(items)-1] = append(items[len(items)-1], l)
		}
		// An item of one line hangs where the others' continuations do.
		blockHang := 0
		for _, item := range items {
			if len(item) > 1 && blockHang == 0 {
				blockHang = indentOf(item[1])
			}
		}
		var wrapped []string
		for _, item := range items {
			hang := indentOf(item[0])
			switch {
			case len(item) > 1:
				hang = indentOf(item[1])
			case blockHang > hang && len(item[0]) > blockHang && item[0][blockHang-1] == ' ':
				hang = blockHang
			}
			hang = min(hang, len(item[0]))
			text := item[0][hang:]
			for _, l := range item[1:] {
				text += " " + strings.TrimSpace(l)
			}
			wrapped = append(wrapped, item[0][:hang]+reports.Wrap(text, width, strings.Repeat(" ", hang)))
		}
		out = append(out, strings.Join(wrapped, "\n"))
	}
	return strings.Join(out, "\n\n")
}

// indentOf is the number of spaces l starts with.
func indentOf(l string) int { return len(l) - len(strings.TrimLeft(l, " ")) }

// continueLine breaks an example command line longer than width before
// one of its flags, continuing it with a backslash on the next line, so
// that what is shown can be pasted into a shell. A flag stays with its
// value.
func continueLine(line string, width int) string {
	if len(line) <= width || width <= 0 {
		return line
	}
	indent := line[:indentOf(line)]
	var units []string
	for _, word := range strings.Fields(line) {
		if n := len(units); n > 0 && strings.HasPrefix(units[n-1], "-") && !strings.Contains(units[n-1], " ") &&
			!strings.HasPrefix(word, "-") && word != "|" {
			units[n-1] += " " + word
			continue
		}
		units = append(units, word)
	}
	var b strings.Builder
	cur := indent + units[0]
	for _, u := range units[1:] {
		if len(cur)+1+len(u)+2 > width {
			b.WriteString(cur + " \\\n")
			cur = indent + "    " + u
			continue
		}
		cur += " " + u
	}
	b.WriteString(cur)
	return b.String()
}
