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
	return splitMeasured(s, n, textWidth)
}

// splitMeasured splits s after as many whole characters (grapheme
// clusters) as fit in n columns, each character as wide as measure says.
func splitMeasured(s string, n int, measure func(string) int) (string, string) {
	g := displaywidth.StringGraphemes(s)
	used, end := 0, 0
	for g.Next() {
		w := measure(g.Value())
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

// grid lays out rows of cells in columns for a terminal, each column as
// wide as its widest cell. When the rows are wider than the terminal, the
// columns that may shrink (min > 0) give up room as shrink says, down to
// their minimum, and their cells are clipped with an ellipsis; a
// last column that wraps is wrapped instead, its lines aligned under it.
type grid struct {
	// indent is the number of spaces before every line.
	indent int
	cols   []gridCol
	rows   [][]string
}

type gridCol struct {
	// min is the narrowest the column may shrink to; 0 never shrinks it.
	min int
	// first makes the column give up its room before the others; columns
	// marked first give it up in turn, the widest first.
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
	return ws, shrink(g.cols, ws, width-g.indent-gridGap*(len(ws)-1))
}

// shrink narrows ws, the widths of cols, until they add up to room at
// most, and reports whether they do. The columns marked first give up
// room first, the widest of them a column at a time, so that they end up
// alike; then the others, the last column first. None goes below its
// min.
func shrink(cols []gridCol, ws []int, room int) bool {
	floor := func(i int) int {
		if cols[i].wrap && cols[i].min == 0 {
			return 1
		}
		return cols[i].min
	}
	total := sumWidths(ws)
	for total > room {
		widest := -1
		for i := range ws {
			if cols[i].first && floor(i) > 0 && ws[i] > floor(i) && (widest < 0 || ws[i] >= ws[widest]) {
				widest = i
			}
		}
		if widest < 0 {
			break
		}
		ws[widest]--
		total--
	}
	for i := len(ws) - 1; i >= 0 && total > room; i-- {
		if m := floor(i); !cols[i].first && m > 0 && ws[i] > m {
			cut := min(ws[i]-m, total-room)
			ws[i] -= cut
			total -= cut
		}
	}
	return total <= room
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
	for _, row := range g.rows {
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
				b.WriteString(c)
				break
			}
			b.WriteString(c)
			b.WriteString(strings.Repeat(" ", ws[i]-textWidth(c)))
		}
		ew.printf("%s\n", strings.TrimRight(b.String(), " "))
	}
}

func sumWidths(ws []int) int {
	n := 0
	for _, w := range ws {
		n += w
	}
	return n
}
