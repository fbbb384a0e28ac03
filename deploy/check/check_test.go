package check

import (
	"encoding/json"
	"os"
	"regexp"
	"sort"
	"strings"
	"testing"

	"helm.sh/helm/v3/pkg/chart/loader"
	"helm.sh/helm/v3/pkg/chartutil"
	"helm.sh/helm/v3/pkg/engine"
	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	policyv1 "k8s.io/api/policy/v1"
	"sigs.k8s.io/yaml"
)

// TestHelmChartRendersValidManifests renders the chart with Helm's own
// engine and decodes every manifest strictly into the Kubernetes API type
// of its kind: an unknown or misspelt field fails.
func TestHelmChartRendersValidManifests(t *testing.T) {
	ch, err := loader.Load("../helm/duban")
	if err != nil {
		t.Fatal(err)
	}
	for _, override := range []map[string]any{nil, {"ingress": map[string]any{"enabled": false}, "serve": map[string]any{"autoscaling": map[string]any{"enabled": false}}}} {
		vals, err := chartutil.ToRenderValues(ch, override, chartutil.ReleaseOptions{Name: "duban", Namespace: "duban", IsInstall: true}, chartutil.DefaultCapabilities)
		if err != nil {
			t.Fatal(err)
		}
		out, err := engine.Render(ch, vals)
		if err != nil {
			t.Fatal(err)
		}
		kinds := map[string]int{}
		names := make([]string, 0, len(out))
		for n := range out {
			names = append(names, n)
		}
		sort.Strings(names)
		for _, name := range names {
			if strings.HasSuffix(name, ".tpl") {
				continue
			}
			for _, doc := range strings.Split(out[name], "\n---") {
				if strings.TrimSpace(doc) == "" {
					continue
				}
				var head struct{ Kind string }
				if err := yaml.Unmarshal([]byte(doc), &head); err != nil {
					t.Fatalf("%s: %v\n%s", name, err, doc)
				}
				var obj any
				switch head.Kind {
				case "Deployment":
					obj = &appsv1.Deployment{}
				case "Job":
					obj = &batchv1.Job{}
				case "Service":
					obj = &corev1.Service{}
				case "ConfigMap":
					obj = &corev1.ConfigMap{}
				case "ServiceAccount":
					obj = &corev1.ServiceAccount{}
				case "Ingress":
					obj = &networkingv1.Ingress{}
				case "NetworkPolicy":
					obj = &networkingv1.NetworkPolicy{}
				case "HorizontalPodAutoscaler":
					obj = &autoscalingv2.HorizontalPodAutoscaler{}
				case "PodDisruptionBudget":
					obj = &policyv1.PodDisruptionBudget{}
				default:
					t.Fatalf("%s: unexpected kind %q", name, head.Kind)
				}
				if err := yaml.UnmarshalStrict([]byte(doc), obj); err != nil {
					t.Fatalf("%s (%s): %v\n%s", name, head.Kind, err, doc)
				}
				kinds[head.Kind]++
				if d, ok := obj.(*appsv1.Deployment); ok {
					c := d.Spec.Template.Spec.Containers[0]
					if c.LivenessProbe == nil || c.ReadinessProbe == nil || c.Resources.Requests.Cpu().IsZero() {
						t.Errorf("%s: probes and resource requests are required", d.Name)
					}
					if sc := d.Spec.Template.Spec.SecurityContext; sc == nil || sc.RunAsNonRoot == nil || !*sc.RunAsNonRoot {
						t.Errorf("%s: must run as non-root", d.Name)
					}
				}
				if j, ok := obj.(*batchv1.Job); ok && !strings.Contains(j.Annotations["helm.sh/hook"], "pre-upgrade") {
					t.Errorf("the migrate job must run before every install and upgrade")
				}
			}
		}
		want := map[string]int{"Deployment": 2, "Job": 1, "Service": 1, "ConfigMap": 1, "ServiceAccount": 1, "NetworkPolicy": 1, "PodDisruptionBudget": 1}
		if override == nil {
			want["Ingress"], want["HorizontalPodAutoscaler"] = 1, 1
		}
		for k, n := range want {
			if kinds[k] != n {
				t.Errorf("values %v: %d %s, want %d", override, kinds[k], k, n)
			}
		}
	}
}

// TestComposeFile: services, their dependencies and the secrets they name
// exist; Duban waits for its migration and for Temporal.
func TestComposeFile(t *testing.T) {
	b, err := os.ReadFile("../compose/compose.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var c struct {
		Services map[string]struct {
			Image     string         `json:"image"`
			DependsOn map[string]any `json:"depends_on"`
			Secrets   []string       `json:"secrets"`
			Command   any            `json:"command"`
		} `json:"services"`
		Secrets map[string]struct {
			File string `json:"file"`
		} `json:"secrets"`
	}
	if err := yaml.Unmarshal(b, &c); err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{"postgresql", "temporal-schema", "temporal", "temporal-ui", "migrate", "serve", "worker"} {
		if _, ok := c.Services[s]; !ok {
			t.Errorf("no service %s", s)
		}
	}
	for name, s := range c.Services {
		if s.Image == "" {
			t.Errorf("%s has no image", name)
		}
		for dep := range s.DependsOn {
			if _, ok := c.Services[dep]; !ok {
				t.Errorf("%s depends on %s, which does not exist", name, dep)
			}
		}
		for _, sec := range s.Secrets {
			if _, ok := c.Secrets[sec]; !ok {
				t.Errorf("%s names secret %s, which is not declared", name, sec)
			}
		}
	}
	for _, s := range []string{"serve", "worker"} {
		if _, ok := c.Services[s].DependsOn["migrate"]; !ok {
			t.Errorf("%s must wait for migrate", s)
		}
	}
}

// series the product exports (metrics package, postgres gauges, SDK).
var known = regexp.MustCompile(`^(duban_(http_requests_total|http_request_duration_seconds_bucket|assignments|hazards_overdue|accident_reports_late|webhooks_failing|audit_chain_broken|audit_events_verified|db_pool_[a-z_]+)|temporal_[a-z_]+)$`)

var metricName = regexp.MustCompile(`\b((?:duban|temporal)_[a-z_]+)\b`)

func checkExpr(t *testing.T, where, expr string) {
	for _, m := range metricName.FindAllString(expr, -1) {
		if !known.MatchString(m) {
			t.Errorf("%s uses %s, which Duban does not export", where, m)
		}
	}
}

// TestAlertRulesAndDashboard: the rules and the dashboard parse, and every
// series they use is one Duban exports.
func TestAlertRulesAndDashboard(t *testing.T) {
	b, err := os.ReadFile("../prometheus/alerts.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var rules struct {
		Groups []struct {
			Name  string `json:"name"`
			Rules []struct {
				Alert       string            `json:"alert"`
				Expr        string            `json:"expr"`
				For         string            `json:"for"`
				Labels      map[string]string `json:"labels"`
				Annotations map[string]string `json:"annotations"`
			} `json:"rules"`
		} `json:"groups"`
	}
	if err := yaml.UnmarshalStrict(b, &rules); err != nil {
		t.Fatal(err)
	}
	alerts := map[string]bool{}
	for _, g := range rules.Groups {
		for _, r := range g.Rules {
			if r.Alert == "" || r.Expr == "" || r.Labels["severity"] == "" || r.Annotations["summary"] == "" {
				t.Errorf("rule %+v is incomplete", r)
			}
			checkExpr(t, r.Alert, r.Expr)
			alerts[r.Alert] = true
		}
	}
	for _, a := range []string{"DubanHTTP5xxRate", "DubanTemporalScheduleToStartSlow", "DubanActivityBacklog", "DubanWebhooksFailing", "DubanAuditChainBroken"} {
		if !alerts[a] {
			t.Errorf("no alert %s", a)
		}
	}
	d, err := os.ReadFile("../grafana/duban.json")
	if err != nil {
		t.Fatal(err)
	}
	var dash struct {
		Title  string `json:"title"`
		Panels []struct {
			Title   string `json:"title"`
			Targets []struct {
				Expr string `json:"expr"`
			} `json:"targets"`
		} `json:"panels"`
	}
	if err := json.Unmarshal(d, &dash); err != nil {
		t.Fatal(err)
	}
	if len(dash.Panels) < 8 {
		t.Fatalf("%d panels", len(dash.Panels))
	}
	for _, p := range dash.Panels {
		for _, tg := range p.Targets {
			checkExpr(t, "panel "+p.Title, tg.Expr)
		}
	}
}
