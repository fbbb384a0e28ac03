package e2e

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"
)

// TestConsoleScreenshots visits the main pages (zh-CN, 1366×768) and, on a
// phone-sized screen, the county clerk's inbox and form, which must not
// scroll sideways. With DUBAN_SCREENSHOTS set it writes the pictures the
// README shows:
//
//	DUBAN_SCREENSHOTS=$PWD/docs/screenshots go test ./e2e -run TestConsoleScreenshots
func TestConsoleScreenshots(t *testing.T) {
	t.Parallel()
	dir := os.Getenv("DUBAN_SCREENSHOTS")
	if dir == "" {
		dir = t.TempDir()
	}
	require.NoError(t, os.MkdirAll(dir, 0o755))
	s := startDevStack(t)
	id := s.launchHouse("2027年房屋建筑安全隐患排查整治", []string{"city", "county"}, nil)
	s.waitAssignment(id + ".410122")
	eventually(t, 120*1e9, func() bool {
		r := s.call("henan-planner", "GET", "/v1/campaigns/"+id+"/progress", nil)
		tot, _ := r.Body["tenant"].(map[string]any)["total"].(float64)
		return tot >= 150
	}, "the Henan tree is assigned")
	for _, c := range []struct{ login, tenant string }{{"lankao-staff", "410225"}} {
		r := s.call(c.login, "POST", "/v1/assignments/"+id+"."+c.tenant+"/submit", map[string]any{"report": map[string]any{
			"buildings_surveyed": 1200, "self_built_business": 310, "public_buildings": 86, "hazards_found": 42, "hazards_rectified": 35, "summary": "已完成排查"}})
		require.Equal(t, 200, r.Status, string(r.Raw))
	}

	shot := func(p *page, name string) {
		t.Helper()
		p.settle()
		buf, err := chromedp.Run(p.ctx, chromedp.CaptureScreenshot())
		require.NoError(t, err)
		require.Greater(t, len(buf), 10_000, name)
		require.NoError(t, os.WriteFile(filepath.Join(dir, name+".png"), buf, 0o644))
	}
	p := newPage(t, s.srv.URL)
	p.open("/login")
	p.text(`[data-test=personas]`, "中牟县")
	shot(p, "login")

	p.login("zhongmu-staff")
	p.text(`[data-test=todo-count]`, "")
	p.text(`.el-table`, "房屋")
	shot(p, "home-county-staff")
	p.open("/inbox")
	p.text(`[data-test=assignments]`, "剩余")
	shot(p, "inbox")

	p.login("henan-planner")
	p.open("/campaigns/" + id)
	p.text(`[data-test=drilldown]`, "郑州市 4101")
	p.run(chromedp.WaitVisible(chromedp.CSS(`.chart canvas`)))
	shot(p, "campaign-dashboard")
	p.open("/review")
	p.text(`[data-test=assignments]`, "兰考县 410225")
	shot(p, "review-queue")
	p.open("/campaigns/new")
	p.click(`[data-template=house-survey]`)
	p.click(`[data-test=next]`)
	p.click(`[data-test=next]`)
	p.click(`[data-test=preview]`)
	p.text("body", "个任务")
	shot(p, "launch-preview")

	p.login("zhongmu-staff")
	p.open("/accidents")
	p.click(`[data-test=report-accident]`)
	p.typeInto(`[data-test=deaths] input`, "3")
	p.text(`[data-test=grade-preview]`, "较大事故，须报至省级")
	shot(p, "accident-report")

	p.login("henan-admin")
	p.open("/admin/users")
	p.text(`[data-test=users]`, "zhongmu-staff")
	shot(p, "users-and-roles")

	// a phone: the county clerk's inbox and form fit the screen's width
	m := newPageSized(t, s.srv.URL, 390, 844)
	m.login("zhongmu-staff")
	m.open("/inbox")
	m.text(`[data-test=assignments]`, "房屋")
	require.True(t, eval[bool](m, `document.documentElement.scrollWidth <= window.innerWidth`), "the inbox scrolls sideways on a phone")
	shot(m, "phone-inbox")
	m.open("/assignments/" + id + ".410122")
	m.text(`[data-field=buildings_surveyed]`, "栋")
	require.True(t, eval[bool](m, `document.documentElement.scrollWidth <= window.innerWidth`), "the form scrolls sideways on a phone")
	shot(m, "phone-form")
}
