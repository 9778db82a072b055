package reports_test

import (
	"bytes"
	"context"
	"image"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/net/html"

	"github.com/appaudit/appaudit/audit"
)

// chromiumPage is what headless Chromium made of a page: the DOM after
// loading it, a screenshot, and the console messages it logged (a script
// error, or anything the Content-Security-Policy refused to load).
type chromiumPage struct {
	dom     *html.Node
	shot    image.Image
	console []string
}

// chromium finds the browser, or skips the test (fails it when
// APPAUDIT_REQUIRE_BROWSER=1, as CI sets it).
func chromium(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("APPAUDIT_REQUIRE_BROWSER") == "1" {
		t.Fatal("chromium is not installed, and APPAUDIT_REQUIRE_BROWSER=1 (apt-get install chromium fonts-dejavu-core)")
	}
	t.Skip("chromium is not installed (apt-get install chromium fonts-dejavu-core); set APPAUDIT_REQUIRE_BROWSER=1 to fail instead")
	return ""
}

// load opens page (an HTML file) in headless Chromium at the given
// window size. It reads the console from Chromium's own log
// (--enable-logging=stderr), which prints every console message, CSP
// refusals included, as an INFO:CONSOLE line; this needs no DevTools
// client. The flags keep Chromium off the network it does not have.
func load(t *testing.T, bin, page string, width, height int) chromiumPage {
	t.Helper()
	dir := t.TempDir()
	shot := filepath.Join(dir, "shot.png")
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin,
		"--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
		"--disable-background-networking", "--disable-component-update", "--disable-sync",
		"--user-data-dir="+filepath.Join(dir, "profile"),
		"--enable-logging=stderr", "--v=0", "--hide-scrollbars",
		"--window-size="+strconv.Itoa(width)+","+strconv.Itoa(height),
		"--screenshot="+shot, "--dump-dom",
		"file://"+page)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("chromium: %v\n%s", err, stderr.String())
	}
	var p chromiumPage
	for _, line := range strings.Split(stderr.String(), "\n") {
		if strings.Contains(line, ":CONSOLE") {
			p.console = append(p.console, line)
		}
	}
	dom, err := html.Parse(&stdout)
	if err != nil {
		t.Fatalf("the dumped DOM does not parse: %v", err)
	}
	p.dom = dom
	f, err := os.Open(shot)
	if err != nil {
		t.Fatalf("no screenshot: %v\n%s", err, stderr.String())
	}
	defer f.Close()
	if p.shot, err = png.Decode(f); err != nil {
		t.Fatalf("screenshot: %v", err)
	}
	return p
}

// pixelsNear counts the pixels within a small distance of colour c.
func pixelsNear(img image.Image, c [3]int) int {
	n := 0
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			r, g, bl, _ := img.At(x, y).RGBA()
			d := abs(int(r>>8)-c[0]) + abs(int(g>>8)-c[1]) + abs(int(bl>>8)-c[2])
			if d < 24 {
				n++
			}
		}
	}
	return n
}

func abs(n int) int {
	if n < 0 {
		return -n
	}
	return n
}

// The HTML report in a real browser: it loads without a console message
// (no script error, nothing refused by its CSP, so nothing it tried to
// fetch), its stylesheet applies (the severity colours are on screen),
// what it renders is the report, and a hostile app name is text. The
// detector is checked on a page that does break the policy.
func TestHTMLInHeadlessChromium(t *testing.T) {
	bin := chromium(t)
	dir := t.TempDir()
	write := func(name string, b []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	pages := map[string]string{
		"fixture": write("fixture.html", render(t, "html", fixtureResult(), testOpts)),
		"demo":    write("demo.html", render(t, "html", demoResult(t), testOpts)),
		"hostile": write("hostile.html", render(t, "html", hostileResult(), testOpts)),
		"control": write("control.html", []byte(`<!DOCTYPE html><html><head><meta http-equiv="Content-Security-Policy" content="default-src 'none'"></head>`+
			`<body><p>control</p><img src="https://example.invalid/pixel.png"></body></html>`)),
	}
	sizes := map[string][2]int{"fixture": {1100, 1400}, "demo": {1100, 1400}, "hostile": {390, 844}, "control": {400, 300}}
	got := map[string]chromiumPage{}
	var mu sync.Mutex
	var wg sync.WaitGroup
	for name, page := range pages {
		wg.Add(1)
		go func() {
			defer wg.Done()
			p := load(t, bin, page, sizes[name][0], sizes[name][1])
			mu.Lock()
			got[name] = p
			mu.Unlock()
		}()
	}
	wg.Wait()
	if t.Failed() {
		return
	}

	if len(got["control"].console) == 0 {
		t.Fatal("the control page's refused image logged nothing: the console check cannot see errors")
	}
	// A section for every object with findings, and one for local files.
	objects := map[audit.ObjectRef]bool{}
	for _, f := range demoResult(t).Findings {
		var o audit.ObjectRef
		if f.App != nil {
			o = *f.App
		}
		objects[o] = true
	}
	wantApps := map[string]int{"fixture": 5, "demo": len(objects), "hostile": 5}
	for _, name := range []string{"fixture", "demo", "hostile"} {
		p := got[name]
		for _, line := range p.console {
			t.Errorf("%s: console: %s", name, line)
		}
		var scripts, apps int
		var h1 string
		walkHTML(p.dom, func(n *html.Node) {
			if n.Type != html.ElementNode {
				return
			}
			switch {
			case n.Data == "script" || n.Data == "img" || n.Data == "injected":
				scripts++
			case n.Data == "section" && attr(n, "class") == "app":
				apps++
			case n.Data == "h1":
				h1 = textOf(n)
			}
		})
		if scripts != 0 || h1 != "appaudit report" || apps != wantApps[name] {
			t.Errorf("%s: rendered DOM has %d script/img/injected elements, h1 %q, %d app sections", name, scripts, h1, apps)
		}
		if n := pixelsNear(p.shot, [3]int{0xa4, 0x00, 0x1c}); n < 200 {
			t.Errorf("%s: %d pixels of the critical colour on screen: the stylesheet did not apply", name, n)
		}
		b := p.shot.Bounds()
		if white := pixelsNear(p.shot, [3]int{255, 255, 255}); white > b.Dx()*b.Dy()*97/100 {
			t.Errorf("%s: the screenshot is blank", name)
		}
	}
	if text := textOf(got["hostile"].dom); !strings.Contains(text, "<script>alert(1)</script>") {
		t.Error("the hostile app name is not on the page as text")
	}
	// The demo's timeline draws its certificates that are not valid yet
	// or registered with the wrong usage in the problem colour (--bad in
	// report.css), and those ending soon in amber.
	for _, c := range []struct {
		name string
		rgb  [3]int
	}{{"problem", [3]int{0x7b, 0x1f, 0xa2}}, {"ending soon", [3]int{0xd9, 0x8b, 0x00}}} {
		if n := pixelsNear(got["demo"].shot, c.rgb); n < 100 {
			t.Errorf("demo: %d pixels of the %s colour on screen", n, c.name)
		}
	}
	if *update {
		// The screenshot the README shows: the demo's page.
		f, err := os.Create(filepath.Join("..", "docs", "report-html.png"))
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		if err := png.Encode(f, got["demo"].shot); err != nil {
			t.Fatal(err)
		}
	}
}
