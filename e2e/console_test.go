package e2e

import (
	"bytes"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"
)

// One test per persona flow of the console (督办工作台), each in a real
// headless Chromium against the real stack (API in dev mode, as `duban dev`
// serves it).

// launch starts a house survey over Henan through the API.
func (s *stack) launchHouse(title string, levels, targets []string) string {
	s.t.Helper()
	body := map[string]any{"template": "house-survey", "title": title, "scope": "41", "levels": levels}
	if targets != nil {
		body["targets"] = targets
	}
	r := s.call("henan-planner", "POST", "/v1/campaigns", body)
	require.Equal(s.t, 201, r.Status, string(r.Raw))
	return r.Body["id"].(string)
}

// waitAssignment waits until the assignment exists.
func (s *stack) waitAssignment(id string) {
	s.t.Helper()
	eventually(s.t, 60*time.Second, func() bool {
		return s.call("henan-planner", "GET", "/v1/assignments/"+id, nil).Status == 200
	}, "assignment "+id+" appears")
}

func TestConsolePlannerLaunchesHenanCampaign(t *testing.T) {
	t.Parallel()
	s := startDevStack(t)
	p := newPage(t, s.srv.URL)
	p.login("henan-planner")
	p.text(`[data-test=acting]`, "河南省 41")
	p.open("/campaigns")
	p.text(`[data-test=campaigns]`, "暂无专项行动")
	p.click(`[data-test=launch]`)
	p.click(`[data-template=house-survey]`)
	p.click(`[data-test=next]`)
	p.click(`[data-test=next]`)
	p.click(`[data-test=preview]`)
	p.text("body", "个任务")
	counts := eval[[]string](p, `Array.from(document.querySelectorAll('[data-test=preview-count]')).map(e => e.innerText)`)
	require.Len(t, counts, 2, "a count for the city and the county level")
	total := 0
	for _, c := range counts {
		var n int
		fmt.Sscan(c, &n)
		require.Positive(t, n)
		total += n
	}
	p.click(`[data-test=confirm-launch]`)
	p.text(`[data-test=started]`, fmt.Sprintf("已下达 %d / %d", total, total))
	p.click(`[data-test=open-campaign]`)
	p.text(`[data-test=total]`, fmt.Sprint(total))
	p.text(`[data-test=drilldown]`, "郑州市 4101")
	// the API agrees with what the wizard previewed
	r := s.call("henan-planner", "GET", "/v1/campaigns?limit=5", nil)
	require.EqualValues(t, 1, r.Body["total"])
}

func TestConsoleStaffReportsAndReviewerDecides(t *testing.T) {
	t.Parallel()
	s := startDevStack(t)
	id := s.launchHouse("郑州房屋安全排查", []string{"city", "county"}, []string{"4101"})
	aid := id + ".410122"
	s.waitAssignment(aid)

	p := newPage(t, s.srv.URL)
	p.allow(`^422 /v1/assignments/[^/]+/submit$`) // the field error the clerk sees
	p.login("zhongmu-staff")
	p.open("/inbox")
	p.text(`[data-test=assignments]`, "郑州房屋安全排查")
	p.text(`[data-test=assignments]`, "剩余")
	// the to-do list asks for open work only, by state: however many years
	// of signed-off work lie behind it, they are neither read nor crowd it out
	reqs := eval[[]string](p, `performance.getEntriesByType('resource').map(e => e.name).filter(n => n.includes('/v1/assignments?'))`)
	require.NotEmpty(t, reqs)
	for _, r := range reqs {
		require.Regexp(t, `state=(assigned|in_progress|returned)`, r, "the inbox asked for more than open work")
	}
	p.clickText(`[data-test=assignments] a`, "郑州房屋安全排查")
	p.text(`[data-field=buildings_surveyed]`, "栋")
	for name, v := range map[string]string{"buildings_surveyed": "120", "self_built_business": "30", "public_buildings": "12", "hazards_found": "9", "hazards_rectified": "11"} {
		p.typeInto(fmt.Sprintf(`[data-field=%s] input`, name), v)
	}
	// a cross-field rule, checked as the user types: rectified ≤ found
	p.text(`[data-field=hazards_rectified] .el-form-item__error`, "不得超过")
	p.typeInto(`[data-field=hazards_rectified] input`, "7")
	// the summary is left out: the API refuses, and says so under the field
	p.click(`[data-test=submit]`)
	p.confirm()
	p.text(`[data-field=summary] .el-form-item__error`, "必填")
	p.typeInto(`[data-field=summary] textarea`, "已完成全县经营性自建房排查。")
	p.run(chromedp.SetUploadFiles(chromedp.CSS(`[data-field=attachments] input[type=file]`), []string{photo(t)}, chromedp.NodeReady))
	p.run(chromedp.WaitVisible(chromedp.CSS(`[data-field=attachments] img`)))
	p.click(`[data-test=submit]`)
	p.text(`.el-message-box`, "郑州市 4101")
	p.confirm()
	p.text(`.page-title`, "已上报")
	// work done (已办) is read newest first, so years of it show their latest
	p.open("/done")
	p.text(`[data-test=assignments]`, "郑州房屋安全排查")
	reqs = eval[[]string](p, `performance.getEntriesByType('resource').map(e => e.name).filter(n => n.includes('/v1/assignments?') && n.includes('state=signed_off'))`)
	require.NotEmpty(t, reqs)
	for _, r := range reqs {
		require.Contains(t, r, "order=-due", "work done was not asked for newest first")
	}

	a := s.call("zhongmu-staff", "GET", "/v1/assignments/"+aid, nil)
	require.Equal(t, "submitted", a.Body["state"])
	report := a.Body["report"].(map[string]any)
	require.EqualValues(t, 7, report["hazards_rectified"])
	atts := report["attachments"].([]any)
	require.Len(t, atts, 1)
	dl := s.call("zhongmu-staff", "GET", "/v1/attachments/"+atts[0].(string)+"/content", nil)
	require.Equal(t, 200, dl.Status)
	require.Equal(t, "\x89PNG", string(dl.Raw[:4]))

	// the city reviewer returns it with a comment
	p.login("zhengzhou-reviewer")
	p.open("/review")
	p.clickText(`[data-test=assignments] a`, "郑州房屋安全排查")
	p.typeInto(`textarea[data-test=review-comment]`, "请补充公共建筑排查明细")
	p.click(`[data-test=return]`)
	p.text(`.page-title`, "已退回")

	// the staff sees why, and resubmits
	p.login("zhongmu-staff")
	p.open("/assignments/" + aid)
	p.text(`[data-test=returned]`, "请补充公共建筑排查明细")
	p.typeInto(`[data-field=summary] textarea`, "公共建筑 12 栋已逐栋登记。")
	p.click(`[data-test=submit]`)
	p.confirm()
	p.text(`.page-title`, "已上报")

	// and the reviewer approves
	p.login("zhengzhou-reviewer")
	p.open("/assignments/" + aid)
	p.click(`[data-test=approve]`)
	p.text(`.page-title`, "已审核")
	require.Equal(t, "approved", s.call("zhongmu-staff", "GET", "/v1/assignments/"+aid, nil).Body["state"])
}

func TestConsoleLankaoIsReviewedByTheProvince(t *testing.T) {
	t.Parallel()
	s := startDevStack(t)
	id := s.launchHouse("兰考房屋安全排查", []string{"county"}, []string{"410225"})
	aid := id + ".410225"
	s.waitAssignment(aid)
	r := s.call("lankao-staff", "POST", "/v1/assignments/"+aid+"/submit", map[string]any{"report": map[string]any{
		"buildings_surveyed": 50, "self_built_business": 10, "public_buildings": 5, "hazards_found": 2, "hazards_rectified": 1, "summary": "兰考县排查完毕"}})
	require.Equal(t, 200, r.Status, string(r.Raw))

	p := newPage(t, s.srv.URL)
	p.allow(`^404 /v1/assignments/[^/]+$`) // Lankao's report is not Kaifeng's to see
	p.login("kaifeng-reviewer")
	p.open("/review")
	p.text(`[data-test=assignments]`, "暂无待审核的报告")
	p.open("/assignments/" + aid)
	p.text(`.el-alert`, "未找到")

	p.login("henan-planner")
	p.open("/review")
	p.text(`[data-test=assignments]`, "兰考县 410225")
	p.clickText(`[data-test=assignments] a`, "兰考房屋安全排查")
	p.text(`.el-descriptions`, "河南省 41")
	p.click(`[data-test=approve]`)
	p.text(`.page-title`, "已审核")
}

func TestConsolePlannerSeesProgressAndDownloadsCircular(t *testing.T) {
	t.Parallel()
	s := startDevStack(t)
	id := s.launchHouse("郑州房屋安全排查", []string{"city", "county"}, []string{"4101"})
	s.waitAssignment(id + ".410122")
	r := s.call("zhongmu-staff", "POST", "/v1/assignments/"+id+".410122/submit", map[string]any{"report": map[string]any{
		"buildings_surveyed": 80, "self_built_business": 10, "public_buildings": 5, "hazards_found": 2, "hazards_rectified": 1, "summary": "完成"}})
	require.Equal(t, 200, r.Status, string(r.Raw))

	p := newPage(t, s.srv.URL)
	p.login("henan-planner")
	p.open("/campaigns")
	p.clickText(`[data-test=campaigns] a`, "郑州房屋安全排查")
	p.text(`[data-test=progress-cards]`, "任务数")
	p.text(`[data-test=drilldown]`, "郑州市 4101")
	p.run(chromedp.WaitVisible(chromedp.CSS(`.chart canvas`)))
	p.clickText(`[data-test=drilldown] a`, "郑州市")
	p.text(`[data-test=drilldown]`, "中牟县 410122")
	p.clickText(`.el-tabs__item`, "通报")
	p.click(`[data-test=generate-circular]`)
	p.text(`[data-test=circulars]`, "郑州房屋安全排查")
	p.click(`[data-test=download-xlsx]`)
	x := p.download(".xlsx")
	require.True(t, bytes.HasPrefix(x, []byte("PK")), "an XLSX is a zip")
	p.click(`[data-test=download-pdf]`)
	require.True(t, bytes.HasPrefix(p.download(".pdf"), []byte("%PDF-")), "the red-header document")
}

// TestConsoleSupervisionPage: Zhengzhou's reviewer convenes Zhongmu and
// records the minutes with a commitment; on the 督办约谈 page Zhongmu's
// clerk reports the commitment done, and the reviewer sees the summons
// closed.
func TestConsoleSupervisionPage(t *testing.T) {
	t.Parallel()
	s := startDevStack(t)
	r := s.call("zhengzhou-reviewer", "POST", "/v1/summonses", map[string]any{"tenant": "410122", "reason": "重大隐患逾期未整改", "place": "市住建局会议室",
		"meeting_at": time.Now().Add(2 * time.Second).Format(time.RFC3339), "persons": []string{"张三（县住建局局长）"}})
	require.Equal(t, 201, r.Status, string(r.Raw))
	sid := r.Body["id"].(string)
	time.Sleep(3 * time.Second)
	r = s.call("zhengzhou-reviewer", "POST", "/v1/summonses/"+sid+"/minutes", map[string]any{"minutes": "县住建局作出检查",
		"commitments": []any{map[string]any{"title": "塔吊隐患十日内整改到位", "due_at": time.Now().AddDate(0, 0, 10).Format(time.RFC3339)}}})
	require.Equal(t, 200, r.Status, string(r.Raw))
	eventually(t, time.Minute, func() bool { return s.call("zhongmu-staff", "GET", "/v1/follow-ups/"+sid+"-c1", nil).Status == 200 }, "the commitment")

	p := newPage(t, s.srv.URL)
	p.login("zhongmu-staff")
	p.open("/supervision")
	p.text(`[data-test=follow-ups]`, "塔吊隐患十日内整改到位")
	p.text(`[data-test=follow-ups]`, "约谈整改承诺")
	p.click(`[data-test=follow-up-done]`)
	p.typeInto(`textarea[data-test=follow-up-result]`, "已拆除更换，附验收记录")
	p.click(`[data-test=follow-up-submit]`)
	eventually(t, time.Minute, func() bool {
		return s.call("zhengzhou-reviewer", "GET", "/v1/summonses/"+sid, nil).Body["state"] == "closed"
	}, "the summons closes")
	p.login("zhengzhou-reviewer")
	p.open("/supervision")
	p.clickText(`.el-tabs__item`, "约谈")
	p.text(`[data-test=summonses]`, "已办结")
	p.text(`[data-test=summonses]`, "重大隐患逾期未整改")
}

func TestConsoleAdminGrantsRoleAndNewUserLogsIn(t *testing.T) {
	t.Parallel()
	s := startDevStack(t)
	p := newPage(t, s.srv.URL)
	p.login("henan-admin")
	p.open("/admin/users")
	p.text(`[data-test=users]`, "henan-planner")
	p.click(`[data-test=new-user]`)
	p.typeInto(`input[data-test=nu-login]`, "henan-inspector")
	p.typeInto(`input[data-test=nu-name]`, "河南省督查员")
	p.click(`[data-test=nu-save]`)
	p.text(`[data-test=users]`, "henan-inspector")
	p.click(`[data-test=grant]`)
	p.typeInto(`input[data-test=ng-user]`, "henan-inspector")
	p.click(`[data-test=ng-role]`)
	p.clickText(`.el-select-dropdown__item`, "审核人")
	p.click(`[data-test=ng-save]`)
	p.text(`[data-test=users]`, "审核人 · 河南省 41")
	// the admin may not grant above its tenant: the same 403 as the API
	r := s.call("henan-admin", "POST", "/v1/role-bindings", map[string]any{"user": "henan-inspector", "role": "admin", "tenant": "000000"})
	require.Equal(t, http.StatusForbidden, r.Status)

	p.open("/") // the user list is now taller than the window: log out from the top of a short page
	p.click(`[data-test=user-menu]`)
	p.clickText(`[data-test=logout]`, "退出登录")
	p.click(`button[data-login="henan-inspector"]`)
	p.text(`[data-test=user-menu]`, "河南省督查员")
	p.text(`.el-aside`, "审核")
	require.NotContains(t, p.innerText(`.el-aside`), "用户与角色授权")
}

func TestConsoleHubeiPlannerSeesNothingOfHenan(t *testing.T) {
	t.Parallel()
	s := startDevStack(t)
	id := s.launchHouse("郑州房屋安全排查", []string{"city", "county"}, []string{"4101"})
	s.waitAssignment(id + ".410122")
	p := newPage(t, s.srv.URL)
	p.allow(`^404 /v1/campaigns/[^/]+$`) // Henan's campaign does not exist for Hubei
	p.login("hubei-planner")
	p.text(`[data-test=acting]`, "湖北省 42")
	p.open("/campaigns")
	p.text(`[data-test=campaigns]`, "暂无专项行动")
	p.open("/campaigns/" + id)
	p.text(`.el-alert`, "未找到")
	p.open("/review")
	p.text(`[data-test=assignments]`, "暂无待审核的报告")
	p.open("/hazards")
	p.text(`[data-test=hazards]`, "暂无隐患")
	require.False(t, strings.Contains(p.innerText("body"), "河南"), "nothing of Henan on a Hubei page")
}

// A session that runs out mid-form loses nothing: a minute before the
// token expires the form is saved as a draft through save-assignment-draft,
// and what is typed after that is kept in the tab and restored once the
// user has logged in again, on the same page.
func TestConsoleExpiringSessionKeepsTheForm(t *testing.T) {
	t.Parallel()
	s := startDevStack(t)
	id := s.launchHouse("郑州房屋安全排查", []string{"county"}, []string{"410122"})
	aid := id + ".410122"
	s.waitAssignment(aid)
	// a token with 72 s left: the draft is saved 60 s before it ends
	tok, err := s.signer.Sign("zhongmu-staff", time.Now().Add(72*time.Second-s.signer.TTL))
	require.NoError(t, err)

	p := newPage(t, s.srv.URL)
	p.allow(`^401 /v1/`) // the session has ended
	p.open("/login")
	eval[bool](p, fmt.Sprintf(`(sessionStorage.setItem('duban.token', %q), true)`, tok))
	p.open("/assignments/" + aid)
	p.typeInto(`[data-field=summary] textarea`, "已排查 3 个乡镇")
	eventually(t, 40*time.Second, func() bool {
		d, _ := s.call("zhongmu-staff", "GET", "/v1/assignments/"+aid, nil).Body["draft"].(map[string]any)
		return d["summary"] == "已排查 3 个乡镇"
	}, "the draft is saved before the session ends")

	// typed after the save, then the session is gone
	p.typeInto(`[data-field=buildings_surveyed] input`, "99")
	eval[bool](p, `(sessionStorage.setItem('duban.token', 'expired.token.value'), location.reload(), true)`)
	p.text(`.el-alert`, "登录已过期")
	p.click(`button[data-login="zhongmu-staff"]`)
	p.text(`.page-title`, "县级房屋安全隐患排查整治情况")
	p.text(`[data-field=buildings_surveyed]`, "栋")
	require.Equal(t, "99", eval[string](p, `document.querySelector('[data-field=buildings_surveyed] input').value`))
	require.Equal(t, "已排查 3 个乡镇", eval[string](p, `document.querySelector('[data-field=summary] textarea').value`))
}

// Hazards to closure and accidents up the tree, through the console: the
// county reports a hazard with a photo and rectifies it, the city
// re-inspects and closes it (销号); the county reports a larger accident
// (the grade and the level it must reach previewed as figures are typed)
// and each level forwards it until the province holds it.
func TestConsoleHazardsAndAccidents(t *testing.T) {
	t.Parallel()
	s := startDevStack(t)
	p := newPage(t, s.srv.URL)
	p.login("zhongmu-staff")
	p.open("/hazards")
	p.click(`[data-test=report-hazard]`)
	p.typeInto(`textarea[data-test=hz-description]`, "在建工地脚手架连墙件缺失")
	p.typeInto(`input[data-test=hz-place]`, "中牟县某在建项目")
	p.typeInto(`input[data-test=hz-unit]`, "某建筑工程有限公司")
	p.typeInto(`.el-dialog input[placeholder], .el-dialog .el-date-editor input`, time.Now().AddDate(0, 0, 20).Format("2006-01-02"))
	p.run(chromedp.SetUploadFiles(chromedp.CSS(`.el-dialog input[type=file]`), []string{photo(t)}, chromedp.NodeReady))
	p.run(chromedp.WaitVisible(chromedp.CSS(`.el-dialog [data-attachment] img`)))
	p.click(`[data-test=hz-submit]`)
	p.text(`[data-test=hazard-state]`, "整改中")
	p.run(chromedp.WaitVisible(chromedp.CSS(`[data-attachment] img`)))
	p.typeInto(`textarea[data-test=rectification]`, "已补设连墙件并复查")
	p.click(`[data-test=rectify]`)
	p.text(`[data-test=hazard-state]`, "待复查")
	hazardURL := eval[string](p, `location.pathname`)

	p.login("zhengzhou-reviewer")
	p.open(hazardURL)
	p.click(`[data-test=verify]`)
	p.text(`[data-test=hazard-state]`, "已销号")

	p.login("zhongmu-staff")
	p.open("/accidents")
	p.click(`[data-test=report-accident]`)
	p.text(`[data-test=grade-preview]`, "一般事故，须报至市级")
	p.typeInto(`input[data-test=acc-place]`, "中牟县某工地")
	p.typeInto(`textarea[data-test=acc-summary]`, "塔吊倒塌")
	p.click(`[data-test=acc-sector]`)
	p.clickText(`.el-select-dropdown__item`, "房屋市政工程")
	p.text(`[data-test=grade-preview]`, "一般事故，须报至省级") // a construction accident reaches the province
	p.typeInto(`[data-test=deaths] input`, "3")
	p.text(`[data-test=grade-preview]`, "较大事故，须报至省级")
	p.text(`[data-test=grade-preview]`, "1 小时内")
	p.click(`[data-test=acc-submit]`)
	p.text(`[data-test=holder]`, "中牟县 410122")
	p.click(`[data-test=forward]`)
	p.text(`[data-test=holder]`, "郑州市 4101")
	accidentURL := eval[string](p, `location.pathname`)

	p.login("zhengzhou-reviewer")
	p.open(accidentURL)
	p.text(`[data-test=clock]`, ":")
	p.click(`[data-test=forward]`)
	p.text(`[data-test=holder]`, "河南省 41")
}

// TestConsoleRegistryImportAndSearch: Zhengzhou's reviewer imports an
// enterprise sheet in the console — the preview names the bad row and
// keeps "import" disabled; the corrected file imports — then finds an
// enterprise by a Chinese name substring and reads the coverage tab.
func TestConsoleRegistryImportAndSearch(t *testing.T) {
	t.Parallel()
	s := startDevStack(t)
	header := []string{"统一社会信用代码", "企业名称", "类型", "登记地区代码", "资质"}
	good := [][]string{header,
		{creditCode("410100", 1), "郑州嵩山建设集团有限公司", "施工", "4101", "建筑工程施工总承包:一级"},
		{creditCode("410122", 2), "中牟县黄河建筑工程有限公司", "施工", "410122", "建筑工程施工总承包:三级"}}
	bad := append(append([][]string{}, good...), []string{creditCode("410100", 3)[:17] + "0", "校验码有误的公司", "施工", "4101", ""})
	dir := t.TempDir()
	badPath, goodPath := filepath.Join(dir, "企业-有误.xlsx"), filepath.Join(dir, "企业.xlsx")
	require.NoError(t, os.WriteFile(badPath, sheet(t, bad...), 0o644))
	require.NoError(t, os.WriteFile(goodPath, sheet(t, good...), 0o644))

	p := newPage(t, s.srv.URL)
	p.login("zhengzhou-reviewer")
	p.open("/registry")
	p.click(`[data-test=import]`)
	p.run(chromedp.SetUploadFiles(chromedp.CSS(`input[data-test=import-file]`), []string{badPath}, chromedp.NodeReady))
	p.text(`[data-test=import-errors]`, "统一社会信用代码")
	p.text(`[data-test=import-errors]`, "校验码错误")
	require.True(t, eval[bool](p, `document.querySelector('[data-test=import-commit]').disabled`), "a file with errors cannot be imported")
	p.run(chromedp.SetUploadFiles(chromedp.CSS(`input[data-test=import-file]`), []string{goodPath}, chromedp.NodeReady))
	p.text(`[data-test=import-preview]`, "将新增 2")
	p.click(`[data-test=import-commit]`)
	p.text(`[data-test=registry]`, "中牟县黄河建筑工程有限公司")
	p.typeInto(`input[data-test=registry-q]`, "嵩山建设")
	p.text(`.el-pagination, .pager`, "共 1")
	p.clickText(`.el-tabs__item`, "覆盖率")
	p.text(`[data-test=coverage]`, "0 / 1")
	require.Equal(t, 2, s.countRows(`SELECT count(*) FROM enterprises`))
}
