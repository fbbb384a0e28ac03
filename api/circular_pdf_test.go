package api

import (
	"fmt"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/duban/duban"
	"github.com/stretchr/testify/require"
)

// TestCircularPDFRedHeader sets a circular of 45 ranked units as the
// red-header document, reads its text back with poppler's pdftotext, and
// renders its first page to PNG with pdftoppm: the issuer's mark and the
// rule are red, in the head of the page; the body below is black.
func TestCircularPDFRedHeader(t *testing.T) {
	for _, tool := range []string{"pdftotext", "pdftoppm", "pdfinfo"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Fatalf("%s not found: apt-get install -y poppler-utils poppler-data (.ci/run installs them)", tool)
		}
	}
	c := &duban.Circular{ID: "ntest", Campaign: "c1", CampaignTitle: "房屋建筑安全隐患排查整治", Tenant: "4101", IssuerName: "郑州市",
		Number: "郑州市督办通报〔2026〕3号", Title: "关于房屋建筑安全隐患排查整治进展情况的通报", PeriodFrom: "2026-01-01", PeriodTo: "2026-11-30",
		SignedBy: "henan-planner", SignedAt: time.Date(2026, 12, 2, 3, 0, 0, 0, time.UTC)}
	for i := range 45 {
		code := fmt.Sprintf("4101%02d", i+2)
		c.Rows = append(c.Rows, duban.CircularRow{Tenant: code, Name: fmt.Sprintf("第%d区", i+1), Assignments: 3, Due: 3 - i%4, OnTime: 2, OnTimeRate: 0.5 + float64(i%5)/10, Coverage: 0.4})
	}
	c.Rank()
	require.NotEmpty(t, c.Laggards)
	dir := t.TempDir()
	file := filepath.Join(dir, "c.pdf")
	require.NoError(t, os.WriteFile(file, circularPDF(c, "郑州市"), 0o600))

	info, err := exec.Command("pdfinfo", file).CombinedOutput()
	require.NoError(t, err, string(info))
	require.Regexp(t, `Pages:\s+[2-9]`, string(info), "45 rows run over pages")
	text, err := exec.Command("pdftotext", "-layout", file, "-").CombinedOutput()
	require.NoError(t, err, string(text))
	flat := strings.Join(strings.Fields(string(text)), "")
	for _, want := range []string{"郑州市督办通报", "郑州市督办通报〔2026〕3号", "关于房屋建筑安全隐患排查整治进展情况的通报", "通报批评", "第1区", "无应报任务", "2026年12月2日", "—2—"} {
		require.Contains(t, flat, strings.Join(strings.Fields(want), ""), "the PDF's text")
	}

	out, err := exec.Command("pdftoppm", "-r", "60", "-f", "1", "-l", "1", "-png", file, filepath.Join(dir, "p")).CombinedOutput()
	require.NoError(t, err, string(out))
	pages, _ := filepath.Glob(filepath.Join(dir, "p*.png"))
	require.Len(t, pages, 1)
	t.Logf("the PDF of %d rows: %d bytes", len(c.Rows), fileSize(t, file))
	if keep := os.Getenv("DUBAN_PDF_PNG"); keep != "" {
		b, _ := os.ReadFile(pages[0])
		_ = os.WriteFile(keep, b, 0o644)
	}
	f, err := os.Open(pages[0])
	require.NoError(t, err)
	defer f.Close()
	img, err := png.Decode(f)
	require.NoError(t, err)
	b := img.Bounds()
	redRows, darkBelow, redBelow := 0, 0, 0
	ruleY := -1
	for y := b.Min.Y; y < b.Max.Y; y++ {
		reds := 0
		for x := b.Min.X; x < b.Max.X; x++ {
			r, g, bl, _ := img.At(x, y).RGBA()
			r, g, bl = r>>8, g>>8, bl>>8
			isRed := r > 150 && g < 110 && bl < 110
			if isRed {
				reds++
			}
			if ruleY >= 0 && y > ruleY+3 {
				if isRed {
					redBelow++
				} else if r < 90 && g < 90 && bl < 90 {
					darkBelow++
				}
			}
		}
		if reds > 0 {
			redRows++
		}
		if reds > b.Dx()/2 && ruleY < 0 { // the red rule spans the text block
			ruleY = y
		}
	}
	require.Greater(t, redRows, 10, "the issuer's mark is red")
	require.Positive(t, ruleY, "a red rule across the page")
	require.Less(t, ruleY, b.Dy()/3, "the red head sits in the top third")
	require.Greater(t, darkBelow, 2000, "black body text below the rule")
	require.Zero(t, redBelow, "nothing red below the head")
}

func fileSize(t *testing.T, name string) int64 {
	st, err := os.Stat(name)
	require.NoError(t, err)
	return st.Size()
}
