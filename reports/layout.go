package reports

import (
	"strings"

	"github.com/clipperhouse/displaywidth"
)

// How text is laid out for a terminal: widths are display widths (a CJK
// character or an emoji takes two columns, a zero-width joiner none), so
// that a line that is said to fit 80 columns does.

// textWidth is the number of terminal columns s takes.
func textWidth(s string) int { return displaywidth.String(s) }

// clipWidth shortens s to at most n columns, marking the cut with an
// ellipsis.
func clipWidth(s string, n int) string {
	if n <= 0 {
		return ""
	}
	return displaywidth.TruncateString(s, n, "…")
}

// Wrap breaks s at spaces into lines so that none is wider than width
// columns, indents every line after the first with indent, and breaks a
// word that is wider than a line. The width counts the indent, and the
// first line is given the same room as the others, so a caller that
// prints a prefix as wide as indent before the first line stays within
// width too. A width of 0 or less does not wrap. Runs of white space
// become one space.
//
// It is appaudit's one word-wrapper: reports, help and explain all wrap
// with it.
func Wrap(s string, width int, indent string) string {
	words := strings.Fields(s)
	if width <= 0 {
		return strings.Join(words, " ")
	}
	room := max(width-textWidth(indent), 1)
	var b strings.Builder
	lineLen := 0
	newline := func() {
		b.WriteString("\n")
		b.WriteString(indent)
		lineLen = 0
	}
	for _, word := range words {
		n := textWidth(word)
		if lineLen > 0 {
			if lineLen+1+n <= room {
				b.WriteByte(' ')
				lineLen++
			} else {
				newline()
			}
		}
		// At the start of a line, a word wider than the line is broken.
		for n > room {
			head, rest := splitWidth(word, room)
			if head == "" { // one character wider than a line: it goes whole
				head, rest = splitWidth(word, textWidth(firstGrapheme(word)))
			}
			b.WriteString(head)
			newline()
			word, n = rest, textWidth(rest)
		}
		b.WriteString(word)
		lineLen += n
	}
	return strings.TrimRight(b.String(), " \n")
}

// splitWidth splits s after as many whole characters (grapheme clusters)
// as fit in n columns.
func splitWidth(s string, n int) (string, string) {
	g := displaywidth.StringGraphemes(s)
	used, end := 0, 0
	for g.Next() {
		w := g.Width()
		if used+w > n {
			break
		}
		used += w
		end += len(g.Value())
	}
	return s[:end], s[end:]
}

// firstGrapheme is the first character (grapheme cluster) of s.
func firstGrapheme(s string) string {
	g := displaywidth.StringGraphemes(s)
	if g.Next() {
		return g.Value()
	}
	return s
}

// padRight pads s with spaces to n columns.
func padRight(s string, n int) string {
	if w := textWidth(s); w < n {
		return s + strings.Repeat(" ", n-w)
	}
	return s
}

// grid lays out rows of cells in columns for a terminal, each column as
// wide as its widest cell. When the rows are wider than the terminal, the
// columns that may shrink (min > 0) give up room, the last column first,
// down to their minimum, and their cells are clipped with an ellipsis; a
// last column that wraps is wrapped instead, its lines aligned under it.
type grid struct {
	// indent is the number of spaces before every line.
	indent int
	cols   []gridCol
	rows   [][]string
	// paint colours a cell's text once it is laid out; nil for none.
	paint func(row, col int, s string) string
}

type gridCol struct {
	// min is the narrowest the column may shrink to; 0 never shrinks it.
	min int
	// first makes the column give up its room before the others.
	first bool
	// wrap wraps the cells of the last column rather than clip them; it
	// shrinks to min, or to a single column when min is 0.
	wrap bool
}

// gridGap is the space between two columns.
const gridGap = 2

// widths are the columns' widths for a terminal width columns wide (0:
// no limit), and whether the rows fit in it at all.
func (g *grid) widths(width int) ([]int, bool) {
	ws := make([]int, len(g.cols))
	for _, row := range g.rows {
		for i, c := range row {
			ws[i] = max(ws[i], textWidth(c))
		}
	}
	if width <= 0 {
		return ws, true
	}
	total := g.indent + gridGap*(len(ws)-1)
	for _, w := range ws {
		total += w
	}
	// The columns marked first give up room first, then the others, the
	// last column first.
	for _, first := range []bool{true, false} {
		for i := len(ws) - 1; i >= 0 && total > width; i-- {
			m := g.cols[i].min
			if g.cols[i].wrap && m == 0 {
				m = 1
			}
			if g.cols[i].first == first && m > 0 && ws[i] > m {
				cut := min(ws[i]-m, total-width)
				ws[i] -= cut
				total -= cut
			}
		}
	}
	return ws, total <= width
}

// render writes the rows laid out for width (0: no limit).
func (g *grid) render(ew *errWriter, width int) {
	ws, _ := g.widths(width)
	g.renderWidths(ew, width, ws)
}

// renderWidths writes the rows in columns ws wide, for a terminal width
// columns wide (0: no limit): so that rows written in parts line up.
func (g *grid) renderWidths(ew *errWriter, width int, ws []int) {
	last := len(ws) - 1
	pad := strings.Repeat(" ", g.indent)
	for r, row := range g.rows {
		var b strings.Builder
		b.WriteString(pad)
		for i, c := range row {
			if i > 0 {
				b.WriteString("  ")
			}
			if width > 0 && !(i == last && g.cols[i].wrap) {
				c = clipWidth(c, ws[i])
			}
			if i == last {
				if width > 0 && g.cols[i].wrap {
					c = Wrap(c, g.indent+sumWidths(ws[:last])+gridGap*last+ws[last], strings.Repeat(" ", g.indent+sumWidths(ws[:last])+gridGap*last))
				}
				b.WriteString(g.painted(r, i, c))
				break
			}
			b.WriteString(g.painted(r, i, c))
			b.WriteString(strings.Repeat(" ", ws[i]-textWidth(c)))
		}
		ew.printf("%s\n", strings.TrimRight(b.String(), " "))
	}
}

func (g *grid) painted(row, col int, s string) string {
	if g.paint == nil || s == "" {
		return s
	}
	return g.paint(row, col, s)
}

func sumWidths(ws []int) int {
	n := 0
	for _, w := range ws {
		n += w
	}
	return n
}
