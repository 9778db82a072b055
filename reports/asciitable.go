package reports

import (
	"strings"

	"github.com/olekukonko/tablewriter"
	"github.com/olekukonko/tablewriter/pkg/twwidth"
	"github.com/olekukonko/tablewriter/renderer"
	"github.com/olekukonko/tablewriter/tw"
)

// asciiTable is a table with column headings, drawn by tablewriter v1
// with ASCII borders: the findings and the local certificates of the
// table report, from tableStackBelow columns up and with --wide.
//
// appaudit lays the table out and tablewriter draws it. The columns'
// widths are chosen here (shrink, as for a grid), because the table must
// keep to the terminal's width by narrowing the columns that can best
// give up room, where tablewriter's own limit shares the room out in
// proportion and wraps, and because a row that spans every column (an
// app's name above its findings) would otherwise widen the first column
// to its own length. Cells are cut with "…" to their column's width
// before tablewriter sees them, so that it neither wraps nor cuts.
//
// Widths are counted as tablewriter counts them, a character at a time
// (cellWidth). The display width of a character (grapheme cluster) is
// never more than that once tableCell has dropped the emoji presentation
// selector, so no line is wider than the width however a terminal draws
// emoji; a row holding an emoji sequence (joined by U+200D, a flag, a
// skin tone) may end a column or two short on a terminal that draws the
// sequence as one emoji.
type asciiTable struct {
	header []string
	cols   []gridCol
	rows   []tableRow
	// paintCell colours a cell's text once it is cut to its width; nil
	// for none.
	paintCell func(col int, s string) string
	// paintSpan does the same for a row that spans every column.
	paintSpan func(s string) string
}

// tableRow is a row of cells, or, when span is set, a row spanning every
// column that reads title+keep: title is cut first, so that keep (an
// appId) stays whole.
type tableRow struct {
	cells       []string
	span        bool
	title, keep string
}

// add appends a row of cells, one a column.
func (t *asciiTable) add(cells ...string) {
	t.rows = append(t.rows, tableRow{cells: cells})
}

// addSpan appends a row that spans every column.
func (t *asciiTable) addSpan(title, keep string) {
	t.rows = append(t.rows, tableRow{span: true, title: title, keep: keep})
}

// tableBorders is the width of a table's borders and column separators
// ("| " before the first cell, " | " between two, " |" after the last).
func tableBorders(cols int) int { return 3*cols + 1 }

// render writes the table laid out for width columns (0: no limit, each
// column as wide as its widest cell).
func (t *asciiTable) render(ew *errWriter, width int) error {
	n := len(t.header)
	header := make([]string, n)
	ws := make([]int, n)
	for i, h := range t.header {
		header[i] = tableCell(h)
		ws[i] = cellWidth(header[i])
	}
	rows := make([]tableRow, len(t.rows))
	for r, row := range t.rows {
		if row.span {
			rows[r] = tableRow{span: true, title: tableCell(row.title), keep: tableCell(row.keep)}
			continue
		}
		rows[r].cells = make([]string, n)
		for i, c := range row.cells {
			rows[r].cells[i] = tableCell(c)
			ws[i] = max(ws[i], cellWidth(rows[r].cells[i]))
		}
	}
	// The room of a row that spans every column: the columns and the
	// separators between them.
	spanRoom := func() int { return sumWidths(ws) + 3*(n-1) }
	if width > 0 {
		cols := make([]gridCol, n)
		for i, c := range t.cols {
			cols[i] = c
			if c.min > 0 { // never narrower than its heading
				cols[i].min = max(c.min, cellWidth(header[i]))
			}
		}
		shrink(cols, ws, width-tableBorders(n))
	} else {
		// Whole: a spanning row longer than the table widens the last
		// column.
		for _, row := range rows {
			if row.span {
				ws[n-1] += max(cellWidth(row.title+row.keep)-spanRoom(), 0)
			}
		}
	}

	widths := tw.NewMapper[int, int]()
	for i, w := range ws {
		widths.Set(i, w+2) // tablewriter's widths count the cell's padding
	}
	tbl := tablewriter.NewTable(ew,
		tablewriter.WithRenderer(renderer.NewBlueprint(tw.Rendition{
			Borders: tw.Border{Left: tw.On, Right: tw.On, Top: tw.On, Bottom: tw.On},
			Symbols: tw.NewSymbols(tw.StyleASCII),
		})),
		tablewriter.WithHeaderAutoFormat(tw.Off),
		tablewriter.WithHeaderAlignment(tw.AlignLeft),
		tablewriter.WithRowAlignment(tw.AlignLeft),
		tablewriter.WithHeaderAutoWrap(tw.WrapNone),
		tablewriter.WithRowAutoWrap(tw.WrapNone),
		tablewriter.WithTrimSpace(tw.Off),
		// Widths as reports measure them, whatever the locale.
		tablewriter.WithEastAsian(tw.Off),
		tablewriter.WithColumnWidths(widths),
	)
	// A spanning row is a row of n equal cells that tablewriter merges.
	// (v1.1.5 merges by the deprecated Formatting.MergeMode; its own
	// config builder sets both.)
	tbl.Configure(func(c *tablewriter.Config) {
		c.Row.Merging.Mode = tw.MergeHorizontal
		c.Row.Formatting.MergeMode = tw.MergeHorizontal
	})
	tbl.Header(header)
	for _, row := range rows {
		cells := make([]string, n)
		if row.span {
			room := spanRoom()
			text := row.title + row.keep
			if width > 0 && cellWidth(text) > room {
				text = clipCell(clipCell(row.title, room-cellWidth(row.keep))+row.keep, room)
			}
			if t.paintSpan != nil {
				text = t.paintSpan(text)
			}
			for i := range cells {
				cells[i] = text
			}
		} else {
			for i, c := range row.cells {
				if width > 0 {
					c = clipCell(c, ws[i])
				}
				if t.paintCell != nil && c != "" {
					c = t.paintCell(i, c)
				}
				// Two equal cells side by side would merge like a
				// spanning row's: a space keeps them apart (and is cut
				// again if the cell has no room for it).
				if i > 0 && c != "" && c == cells[i-1] {
					c += " "
				}
				cells[i] = c
			}
		}
		if err := tbl.Append(cells); err != nil {
			return err
		}
	}
	return tbl.Render()
}

// cellWidth is the width of s as tablewriter counts it: a character at a
// time, East Asian ambiguous characters narrow, ANSI colours none.
func cellWidth(s string) int {
	return twwidth.WidthWithOptions(s, twwidth.Options{})
}

// tableCell is s as it goes in a table cell: without the emoji
// presentation selector U+FE0F, with which a character that counts one
// column (❤) takes two (❤️); the character is drawn as text instead.
func tableCell(s string) string {
	if !strings.Contains(s, "\uFE0F") {
		return s
	}
	return strings.ReplaceAll(s, "\uFE0F", "")
}

// clipCell shortens s to at most n columns as cellWidth counts them,
// marking the cut with an ellipsis, between two characters (grapheme
// clusters).
func clipCell(s string, n int) string {
	if cellWidth(s) <= n {
		return s
	}
	if n <= 0 {
		return ""
	}
	head, _ := splitMeasured(s, n-1, cellWidth)
	return head + "…"
}
