package config_test

import (
	"os/exec"
	"strings"
	"testing"

	"github.com/periscope-hq/periscope/core/config"
)

// TestGroupingEnvironmentNames sets each grouping.* key through its
// environment name, over a file that sets it otherwise, and checks the
// parsed value (core/cmd/periscope's TestGroupingFromEnvironment checks
// the engine then uses it).
func TestGroupingEnvironmentNames(t *testing.T) {
	file := []byte(`
grouping:
  rules_file: from-file.yaml
  sentry_rules: "error.type:FromFile -> file"
  sentry_rules_file: from-file.txt
  stack_rules: "stack.function:fromfile -app"
  default_config: newstyle:2023-01-11
  transition: 240h
  rules:
    - name: from-file
      when: "true"
      fingerprint: ['"file"']
`)
	for _, tc := range []struct {
		name, value string
		get         func(config.Grouping) string
		want        string
	}{
		{"PERISCOPE_GROUPING_RULES_FILE", "/etc/periscope/rules.yaml",
			func(g config.Grouping) string { return g.RulesFile }, "/etc/periscope/rules.yaml"},
		{"PERISCOPE_GROUPING_SENTRY_RULES", "error.type:Boom -> boom",
			func(g config.Grouping) string { return g.SentryRules }, "error.type:Boom -> boom"},
		{"PERISCOPE_GROUPING_SENTRY_RULES_FILE", "/etc/periscope/fingerprints.txt",
			func(g config.Grouping) string { return g.SentryRulesFile }, "/etc/periscope/fingerprints.txt"},
		{"PERISCOPE_GROUPING_STACK_RULES", "stack.module:github.com/acme/** +app",
			func(g config.Grouping) string { return g.StackRules }, "stack.module:github.com/acme/** +app"},
		{"PERISCOPE_GROUPING_DEFAULT_CONFIG", "newstyle:2026-01-20",
			func(g config.Grouping) string { return g.DefaultConfig }, "newstyle:2026-01-20"},
		{"PERISCOPE_GROUPING_TRANSITION", "48h",
			func(g config.Grouping) string { return g.Transition.String() }, "48h0m0s"},
		{"PERISCOPE_GROUPING_RULES", `[{name: env-rule, when: "exception.type == 'Boom'", fingerprint: ['"boom"', 'tags["db"] ?? "none"'], title: '"Boom"'}]`,
			func(g config.Grouping) string {
				var b strings.Builder
				for _, r := range g.Rules {
					b.WriteString(r.Name + "|" + r.When + "|" + strings.Join(r.Fingerprint, ",") + "|" + r.Title + ";")
				}
				return b.String()
			}, `env-rule|exception.type == 'Boom'|"boom",tags["db"] ?? "none"|"Boom";`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if key, ok := config.EnvNames()[tc.name]; !ok || !strings.HasPrefix(key, "grouping.") {
				t.Fatalf("EnvNames has no %s (got key %q)", tc.name, key)
			}
			for _, yaml := range [][]byte{nil, file} {
				c, err := config.Parse(yaml, []string{tc.name + "=" + tc.value})
				if err != nil {
					t.Fatal(err)
				}
				if got := tc.get(c.Grouping); got != tc.want {
					t.Errorf("file=%v: got %q, want %q", yaml != nil, got, tc.want)
				}
			}
		})
	}
}

func TestGroupingRulesEnvironmentErrorNamesIt(t *testing.T) {
	_, err := config.Parse(nil, []string{"PERISCOPE_GROUPING_RULES=[{name: x, when: [unclosed"})
	if err == nil || !strings.Contains(err.Error(), "PERISCOPE_GROUPING_RULES") {
		t.Fatalf("got %v, want an error naming PERISCOPE_GROUPING_RULES", err)
	}
}

// TestConfigLinksNoPluginMachinery: loading the configuration must not
// link the plugin host (go-plugin, gRPC) nor core/notify; the packages
// that use the values validate them.
func TestConfigLinksNoPluginMachinery(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", "github.com/periscope-hq/periscope/core/config").CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	for _, dep := range strings.Fields(string(out)) {
		for _, banned := range []string{"github.com/hashicorp/go-plugin", "google.golang.org/grpc", "github.com/periscope-hq/periscope/core/notify"} {
			if dep == banned || strings.HasPrefix(dep, banned+"/") {
				t.Errorf("core/config depends on %s", dep)
			}
		}
	}
}
