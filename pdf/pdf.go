// Package pdf writes the documents offices print: a circular (通报) as a
// red-header document (红头文件) after the layout of GB/T 9704-2012 — the
// issuer's mark in red, the document number, the red rule, the title, the
// body, the ranking table across pages, the issuer and date, page numbers.
//
// Chinese text is set in STSong-Light with the UniGB-UCS2-H encoding: one
// of the Adobe-GB1 fonts every PDF reader supplies for simplified Chinese
// (Acrobat's Asian font pack, pdf.js, poppler with poppler-data and any CJK
// system font), so the document carries no font file and stays small. It is
// plain PDF 1.4 written by hand: no dependency.
package pdf

import (
	"bytes"
	"fmt"
	"strings"
	"unicode/utf8"
)

// A4 in points, and the text block of GB/T 9704 (156 × 225 mm, top margin
// 37 mm, left 28 mm).
const (
	pageW, pageH = 595.28, 841.89
	mm           = 72 / 25.4
	left         = 28 * mm
	textW        = 156 * mm
	top          = pageH - 37*mm
	bottom       = pageH - 37*mm - 225*mm
)

// Colour of the red header: GB/T 9704 asks for red; this is the red offices print.
const red = "0.85 0.05 0.05"

// Doc is a document being set, page by page.
type Doc struct {
	pages []*bytes.Buffer
	cur   *bytes.Buffer
	y     float64
}

// New starts a document with one empty page.
func New() *Doc {
	d := &Doc{}
	d.NewPage()
	return d
}

// NewPage starts a page; text continues at its top.
func (d *Doc) NewPage() {
	d.cur = &bytes.Buffer{}
	d.pages = append(d.pages, d.cur)
	d.y = top
}

// Width is the width of s at size: Chinese (and any wide) characters are
// one em, ASCII half an em.
func Width(s string, size float64) float64 {
	w := 0.0
	for _, r := range s {
		if r < 0x80 {
			w += 0.5
		} else {
			w++
		}
	}
	return w * size
}

// Style of a line of text.
type Style struct {
	Size   float64
	Red    bool
	Bold   bool
	Align  string  // "left" (default), "center", "right"
	Indent float64 // ems, the first line's (2 for a paragraph)
	Lead   float64 // line height as a multiple of Size (default 1.6)
}

// Space moves down by pt points.
func (d *Doc) Space(pt float64) { d.y -= pt }

// need starts a new page when less than h points are left.
func (d *Doc) need(h float64) {
	if d.y-h < bottom {
		d.NewPage()
	}
}

// Text sets s, wrapped to the text block.
func (d *Doc) Text(s string, st Style) {
	if st.Lead == 0 {
		st.Lead = 1.6
	}
	first := true
	for _, para := range strings.Split(s, "\n") {
		rest := []rune(para)
		for len(rest) > 0 || first {
			indent := 0.0
			if first {
				indent = st.Indent * st.Size
			}
			n := fit(rest, textW-indent, st.Size)
			line := string(rest[:n])
			rest = rest[n:]
			d.need(st.Size * st.Lead)
			d.y -= st.Size * st.Lead
			x := left + indent
			switch st.Align {
			case "center":
				x = left + (textW-Width(line, st.Size))/2
			case "right":
				x = left + textW - Width(line, st.Size)
			}
			d.show(x, d.y, line, st)
			first = false
		}
		first = true
	}
}

// fit is how many of rs fit in w at size (at least one).
func fit(rs []rune, w, size float64) int {
	acc := 0.0
	for i, r := range rs {
		cw := size
		if r < 0x80 {
			cw = size / 2
		}
		if acc+cw > w && i > 0 {
			return i
		}
		acc += cw
	}
	return len(rs)
}

func (d *Doc) show(x, y float64, s string, st Style) {
	color := "0 0 0"
	if st.Red {
		color = red
	}
	mode, stroke := 0, ""
	if st.Bold { // fill and stroke: the heavier face offices use for titles
		mode, stroke = 2, fmt.Sprintf(" %s RG %.2f w", color, st.Size/30)
	}
	fmt.Fprintf(d.cur, "BT %s rg%s %d Tr /F1 %.2f Tf %.2f %.2f Td <%s> Tj ET\n", color, stroke, mode, st.Size, x, y, ucs2(s))
}

// ucs2 encodes s as UCS-2 big-endian hex (characters outside the basic
// plane, which UniGB-UCS2-H cannot name, become a full-width question mark).
func ucs2(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r > 0xFFFF || r == utf8.RuneError {
			r = '？'
		}
		fmt.Fprintf(&b, "%04X", r)
	}
	return b.String()
}

// Rule draws a horizontal rule across the text block.
func (d *Doc) Rule(width float64, isRed bool) {
	color := "0 0 0"
	if isRed {
		color = red
	}
	d.y -= 4 * mm
	fmt.Fprintf(d.cur, "%s RG %.2f w %.2f %.2f m %.2f %.2f l S\n", color, width, left, d.y, left+textW, d.y)
}

// Table sets a table with a header row repeated on every page; cols are
// the columns' widths as fractions of the text block.
func (d *Doc) Table(head []string, rows [][]string, cols []float64, size float64) {
	h := size * 2
	drawRow := func(cells []string, bold bool) {
		d.need(h)
		x := left
		y := d.y - h
		for i, c := range cells {
			w := cols[i] * textW
			fmt.Fprintf(d.cur, "0 0 0 RG 0.5 w %.2f %.2f %.2f %.2f re S\n", x, y, w, h)
			cut := []rune(c)
			if n := fit(cut, w-size*0.6, size); n < len(cut) {
				c = string(cut[:max(n-1, 1)]) + "…"
			}
			d.show(x+(w-Width(c, size))/2, y+h*0.32, c, Style{Size: size, Bold: bold})
			x += w
		}
		d.y = y
	}
	drawRow(head, true)
	page := len(d.pages)
	for _, r := range rows {
		if d.y-h < bottom {
			d.NewPage()
		}
		if len(d.pages) != page {
			page = len(d.pages)
			drawRow(head, true)
		}
		drawRow(r, false)
	}
}

// Bytes writes the document: page numbers (— 1 —) at the foot of each page,
// the Chinese font, the cross-reference table.
func (d *Doc) Bytes(title string) []byte {
	var out bytes.Buffer
	var offsets []int
	obj := func(body string) {
		offsets = append(offsets, out.Len())
		fmt.Fprintf(&out, "%d 0 obj\n%s\nendobj\n", len(offsets), body)
	}
	out.WriteString("%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
	n := len(d.pages)
	// 1 catalog, 2 pages, 3 font, 4 descendant, 5 descriptor, 6 info; then page, content pairs
	kids := make([]string, n)
	for i := range d.pages {
		kids[i] = fmt.Sprintf("%d 0 R", 7+2*i)
	}
	obj("<< /Type /Catalog /Pages 2 0 R >>")
	obj(fmt.Sprintf("<< /Type /Pages /Count %d /Kids [%s] >>", n, strings.Join(kids, " ")))
	obj("<< /Type /Font /Subtype /Type0 /BaseFont /STSong-Light /Encoding /UniGB-UCS2-H /DescendantFonts [4 0 R] >>")
	obj("<< /Type /Font /Subtype /CIDFontType0 /BaseFont /STSong-Light /CIDSystemInfo << /Registry (Adobe) /Ordering (GB1) /Supplement 2 >> " +
		"/FontDescriptor 5 0 R /DW 1000 /W [1 95 500] >>")
	obj("<< /Type /FontDescriptor /FontName /STSong-Light /Flags 6 /FontBBox [-25 -254 1000 880] /ItalicAngle 0 /Ascent 880 /Descent -120 " +
		"/CapHeight 880 /StemV 93 >>")
	obj("<< /Title <FEFF" + ucs2(title) + "> /Producer (Duban) >>")
	for i, p := range d.pages {
		num := fmt.Sprintf("— %d —", i+1)
		fmt.Fprintf(p, "BT 0 0 0 rg 0 Tr /F1 14 Tf %.2f %.2f Td <%s> Tj ET\n", left+(textW-Width(num, 14))/2, bottom-14*mm, ucs2(num))
		obj(fmt.Sprintf("<< /Type /Page /Parent 2 0 R /MediaBox [0 0 %.2f %.2f] /Resources << /Font << /F1 3 0 R >> >> /Contents %d 0 R >>", pageW, pageH, 8+2*i))
		obj(fmt.Sprintf("<< /Length %d >>\nstream\n%sendstream", p.Len(), p.String()))
	}
	xref := out.Len()
	fmt.Fprintf(&out, "xref\n0 %d\n0000000000 65535 f \n", len(offsets)+1)
	for _, o := range offsets {
		fmt.Fprintf(&out, "%010d 00000 n \n", o)
	}
	fmt.Fprintf(&out, "trailer\n<< /Size %d /Root 1 0 R /Info 6 0 R >>\nstartxref\n%d\n%%%%EOF\n", len(offsets)+1, xref)
	return out.Bytes()
}
