package e2e

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
	"github.com/duban/duban/internal/devstack"
)

// The console's tests drive a real headless Chromium (Debian's chromium,
// which .ci/run installs) against the real stack. Each fails on any
// console error, uncaught exception, refused or failed request, or 5xx
// answer, and saves a screenshot when it fails.

// chromiumPath finds the browser; the tests fail loudly without one.
func chromiumPath(t testing.TB) string {
	if p := devstack.ChromiumPath(); p != "" {
		return p
	}
	t.Fatal("no Chromium: install it with `apt-get install -y chromium fonts-noto-cjk` (or set DUBAN_CHROMIUM); .ci/run does")
	return ""
}

// page is one browser tab on the console.
type page struct {
	t    testing.TB
	ctx  context.Context
	base string
	mu   sync.Mutex
	errs []string
	dl   string // download directory
	// refusals are the 4xx answers the page got; each must be one the
	// test expects (allow), as a field error or a foreign object is
	refusals []string
	allowed  []*regexp.Regexp
}

// allow expects 4xx answers whose "status path" matches re (e.g.
// `^422 /v1/assignments/.*/submit`).
func (p *page) allow(re string) {
	p.mu.Lock()
	p.allowed = append(p.allowed, regexp.MustCompile(re))
	p.mu.Unlock()
}

// newPage starts a headless Chromium at 1366×768 (the office screen).
func newPage(t testing.TB, base string) *page {
	t.Helper()
	return newPageSized(t, base, 1366, 768)
}

func newPageSized(t testing.TB, base string, w, h int) *page {
	t.Helper()
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(chromiumPath(t)), chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU, chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck, chromedp.Flag("disable-quic", true), chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true), chromedp.Flag("disable-sync", true), chromedp.Flag("lang", "zh-CN"),
		chromedp.UserDataDir(t.TempDir()), chromedp.WindowSize(w, h),
	}
	actx, cancelA := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(actx)
	p := &page{t: t, ctx: ctx, base: base, dl: t.TempDir()}
	err := chromedp.Listen(ctx, p.watch)
	if err == nil {
		_, err = chromedp.Call(ctx, network.Enable, network.EnableParams{})
	}
	if err == nil {
		_, err = chromedp.Call(ctx, log.Enable, cdp.Empty{})
	}
	if err == nil {
		_, err = chromedp.Call(ctx, runtime.Enable, cdp.Empty{})
	}
	if err == nil {
		yes := true
		_, err = chromedp.CallBrowser(ctx, browser.SetDownloadBehavior, browser.SetDownloadBehaviorParams{
			Behavior: browser.SetDownloadBehaviorBehaviorAllow, DownloadPath: p.dl, EventsEnabled: &yes})
	}
	if err != nil {
		cancel()
		cancelA()
		t.Fatalf("start chromium: %v", err)
	}
	t.Cleanup(func() {
		if t.Failed() {
			p.screenshot()
		}
		cancel()
		cancelA()
	})
	t.Cleanup(p.check)
	return p
}

// watch collects what must not happen on a page.
func (p *page) watch(ev any) {
	add := func(s string) {
		p.mu.Lock()
		p.errs = append(p.errs, s)
		p.mu.Unlock()
	}
	switch ev := ev.(type) {
	case *runtime.EventExceptionThrown:
		d := ev.ExceptionDetails
		msg := d.Text
		if d.Exception != nil {
			msg += " " + d.Exception.Description
		}
		add("uncaught exception: " + msg)
	case *runtime.EventConsoleAPICalled:
		if ev.Type == runtime.ConsoleAPICalledTypeError || ev.Type == runtime.ConsoleAPICalledTypeAssert {
			var parts []string
			for _, a := range ev.Args {
				parts = append(parts, string(a.Value)+a.Description)
			}
			add("console error: " + strings.Join(parts, " "))
		}
	case *log.EventEntryAdded:
		// the browser logs every 4xx answer as a failed resource: those
		// are the API's expected refusals (a field error is one), and
		// 5xx answers are caught below
		if ev.Entry.Level == log.EntryLevelError && ev.Entry.Source != log.EntrySourceNetwork {
			add("browser error: " + ev.Entry.Text)
		}
	case *network.EventLoadingFailed:
		if !ev.Canceled {
			add(fmt.Sprintf("request failed: %s %s", ev.ErrorText, ev.BlockedReason))
		}
	case *network.EventResponseReceived:
		if ev.Response.Status >= 500 {
			add(fmt.Sprintf("server error %d on %s", ev.Response.Status, ev.Response.URL))
		}
		if ev.Response.Status >= 400 && ev.Response.Status < 500 {
			u := strings.TrimPrefix(ev.Response.URL, p.base)
			p.mu.Lock()
			p.refusals = append(p.refusals, fmt.Sprintf("%d %s", ev.Response.Status, u))
			p.mu.Unlock()
		}
		if !strings.HasPrefix(ev.Response.URL, p.base) && !strings.HasPrefix(ev.Response.URL, "data:") && !strings.HasPrefix(ev.Response.URL, "blob:") {
			add("a page contacted another host: " + ev.Response.URL)
		}
	}
}

func (p *page) check() {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, e := range p.errs {
		p.t.Errorf("console page: %s", e)
	}
next:
	for _, r := range p.refusals {
		for _, re := range p.allowed {
			if re.MatchString(r) {
				continue next
			}
		}
		p.t.Errorf("console page: unexpected refusal %s", r)
	}
}

// screenshot saves the page for a failed test and says where.
func (p *page) screenshot() {
	ctx, cancel := context.WithTimeout(p.ctx, 10*time.Second)
	defer cancel()
	buf, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		return
	}
	dir := os.Getenv("DUBAN_FAILURE_SCREENSHOTS")
	if dir == "" {
		dir = os.TempDir()
	}
	path := filepath.Join(dir, "duban-"+strings.ReplaceAll(p.t.Name(), "/", "-")+".png")
	if os.WriteFile(path, buf, 0o644) == nil {
		p.t.Logf("screenshot of the failed page: %s", path)
	}
}

// run runs browser actions with a bound.
func (p *page) run(actions ...chromedp.Action[chromedp.Void]) {
	p.t.Helper()
	ctx, cancel := context.WithTimeout(p.ctx, 60*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, actions...); err != nil {
		p.t.Fatalf("browser: %v", err)
	}
}

// eval evaluates a JavaScript expression.
func eval[T any](p *page, expr string) T {
	p.t.Helper()
	ctx, cancel := context.WithTimeout(p.ctx, 30*time.Second)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expr))
	if err != nil {
		p.t.Fatalf("browser: %s: %v", expr, err)
	}
	return v
}

func (p *page) open(path string) { p.t.Helper(); p.run(chromedp.Navigate(p.base + path)) }

// text waits until the element matching sel contains want and returns
// its text.
func (p *page) text(sel, want string) string {
	p.t.Helper()
	var got string
	deadline := time.Now().Add(60 * time.Second)
	for {
		ctx, cancel := context.WithTimeout(p.ctx, 5*time.Second)
		got, _ = chromedp.Run(ctx, chromedp.Evaluate[string](fmt.Sprintf(`(() => { const e = document.querySelector(%q); return e ? e.innerText : "" })()`, sel)))
		cancel()
		if strings.Contains(got, want) {
			return got
		}
		if time.Now().After(deadline) {
			p.t.Fatalf("%s never showed %q; it shows %q", sel, want, got)
		}
		time.Sleep(150 * time.Millisecond)
	}
}

// innerText is the text of the first element matching sel ("" if none).
func (p *page) innerText(sel string) string {
	p.t.Helper()
	return eval[string](p, fmt.Sprintf(`(() => { const e = document.querySelector(%q); return e ? e.innerText : "" })()`, sel))
}

func (p *page) click(sel string) {
	p.t.Helper()
	p.settle()
	p.run(chromedp.WaitVisible(chromedp.CSS(sel)), chromedp.Click(chromedp.CSS(sel)))
}

// settle waits for closing dialogs and boxes to finish their transition
// (their overlay would take the click).
func (p *page) settle() {
	p.t.Helper()
	for i := 0; i < 50; i++ {
		if eval[bool](p, `document.querySelector('[class*="-leave-active"], [class*="-enter-active"]') === null`) {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// clickText clicks the first element matching sel whose text contains s.
func (p *page) clickText(sel, s string) {
	p.t.Helper()
	p.text("body", s)
	if !eval[bool](p, fmt.Sprintf(`(() => { for (const e of document.querySelectorAll(%q)) if (e.innerText.includes(%q)) { e.click(); return true } return false })()`, sel, s)) {
		p.t.Fatalf("no %s with text %q to click", sel, s)
	}
}

// typeInto types into an input and leaves it (so that it commits).
func (p *page) typeInto(sel, s string) {
	p.t.Helper()
	p.settle()
	css := chromedp.CSS(sel)
	p.run(chromedp.WaitVisible(css), chromedp.Click(css))
	eval[bool](p, fmt.Sprintf(`(() => { const e = document.querySelector(%q); e.focus(); e.select(); return true })()`, sel))
	p.run(chromedp.SendKeys(css, s), chromedp.Blur(css))
}

// login picks a persona on the dev login page.
func (p *page) login(user string) {
	p.t.Helper()
	p.run(chromedp.Navigate(p.base + "/login"))
	eval[bool](p, `(sessionStorage.clear(), true)`)
	p.run(chromedp.Navigate(p.base + "/login"))
	p.click(fmt.Sprintf(`button[data-login=%q]`, user))
	p.run(chromedp.WaitVisible(chromedp.CSS(`[data-test=user-menu]`)))
	p.text(`[data-test=user-menu]`, "")
}

// confirm accepts an Element Plus message box.
func (p *page) confirm() {
	p.t.Helper()
	p.click(`.el-message-box__btns .el-button--primary`)
}

// download waits for a file to land in the download directory.
func (p *page) download(suffix string) []byte {
	p.t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		files, _ := filepath.Glob(filepath.Join(p.dl, "*"+suffix))
		for _, f := range files {
			if b, err := os.ReadFile(f); err == nil && len(b) > 0 {
				return b
			}
		}
		time.Sleep(200 * time.Millisecond)
	}
	p.t.Fatalf("no %s file was downloaded", suffix)
	return nil
}

// photo writes a small PNG to upload.
func photo(t testing.TB) string {
	img := image.NewRGBA(image.Rect(0, 0, 64, 48))
	for x := 0; x < 64; x++ {
		for y := 0; y < 48; y++ {
			img.Set(x, y, color.RGBA{uint8(x * 4), uint8(y * 5), 120, 255})
		}
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "现场照片.png")
	if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}
