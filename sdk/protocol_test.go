package sdk

import (
	"bytes"
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"testing"

	"github.com/periscope-hq/periscope/sdk/internal/testtool"
	pb "github.com/periscope-hq/periscope/sdk/proto/notifier/v1"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protodesc"
	"google.golang.org/protobuf/types/descriptorpb"
)

var update = flag.Bool("update", false, "rewrite testdata/notifier_v1.descriptor.json (only for additive changes to v1)")

// TestProtocolConstants guards the handshake: changing any of these breaks
// every plugin already built.
func TestProtocolConstants(t *testing.T) {
	if ProtocolVersion != 1 {
		t.Errorf("ProtocolVersion = %d, want 1 (a new version is a new proto folder served alongside v1)", ProtocolVersion)
	}
	if MagicCookieKey != "PERISCOPE_NOTIFIER_PLUGIN" {
		t.Errorf("MagicCookieKey = %q changed", MagicCookieKey)
	}
	if MagicCookieValue != "5f1b7d0e93c44a2b8f6e0d2a71c3b9e4" {
		t.Errorf("MagicCookieValue = %q changed", MagicCookieValue)
	}
	if PluginName != "notifier" {
		t.Errorf("PluginName = %q changed", PluginName)
	}
	h := Handshake()
	if h.ProtocolVersion != 1 || h.MagicCookieKey != MagicCookieKey || h.MagicCookieValue != MagicCookieValue {
		t.Errorf("Handshake() = %+v, want the constants", h)
	}
	vp := VersionedPlugins(nil)
	if len(vp) != 1 || vp[1] == nil || vp[1][PluginName] == nil {
		t.Errorf("VersionedPlugins = %v, want exactly version 1 serving %q", vp, PluginName)
	}
}

// TestProtocolDescriptorFrozen compares the compiled notifier.proto with
// the recorded descriptor, so no field is renumbered, retyped or removed by
// accident. Run with -update only after an additive change.
func TestProtocolDescriptorFrozen(t *testing.T) {
	fd := protodesc.ToFileDescriptorProto(pb.File_sdk_proto_notifier_v1_notifier_proto)
	fd.SourceCodeInfo = nil
	golden := filepath.Join("testdata", "notifier_v1.descriptor.json")
	if *update {
		data, err := protojson.MarshalOptions{Multiline: true}.Marshal(fd)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(golden, append(data, '\n'), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	data, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	want := &descriptorpb.FileDescriptorProto{}
	if err := protojson.Unmarshal(data, want); err != nil {
		t.Fatal(err)
	}
	if !proto.Equal(fd, want) {
		t.Errorf("notifier.proto v1 differs from %s: v1 is frozen (add fields only, then -update; breaking changes go to v2)", golden)
	}
}

// TestGeneratedCodeCurrent regenerates the Go code with protoc and
// compares it with the committed files. Without protoc, its well-known
// types or the generators it skips, and under CI it fails (testtool).
func TestGeneratedCodeCurrent(t *testing.T) {
	protoc := testtool.Need(t, "protoc", "apt-get install protobuf-compiler libprotobuf-dev")
	testtool.Need(t, "protoc-gen-go", "go install google.golang.org/protobuf/cmd/protoc-gen-go@v1.36.12")
	testtool.Need(t, "protoc-gen-go-grpc", "go install google.golang.org/grpc/cmd/protoc-gen-go-grpc@v1.6.2")
	// notifier.proto imports google/protobuf/timestamp.proto, which protoc
	// finds in ../include beside its binary; Debian ships it apart from
	// protoc, in libprotobuf-dev.
	if real, err := filepath.EvalSymlinks(protoc); err == nil {
		protoc = real
	}
	wkt := filepath.Join(filepath.Dir(protoc), "..", "include", "google", "protobuf", "timestamp.proto")
	if _, err := os.Stat(wkt); err != nil {
		testtool.Missing(t, "google/protobuf/timestamp.proto (looked for "+filepath.Clean(wkt)+", beside protoc)", "apt-get install libprotobuf-dev")
	}
	out := t.TempDir()
	cmd := exec.Command("protoc", "--go_out="+out, "--go-grpc_out="+out, "sdk/proto/notifier/v1/notifier.proto")
	cmd.Dir = ".."
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("protoc: %v\n%s", err, b)
	}
	versions := regexp.MustCompile(`(?m)^// (\t| - )?(protoc|protoc-gen-go|protoc-gen-go-grpc)\s+v.*$`)
	for _, name := range []string{"notifier.pb.go", "notifier_grpc.pb.go"} {
		got, err := os.ReadFile(filepath.Join(out, "github.com/periscope-hq/periscope/sdk/proto/notifier/v1", name))
		if err != nil {
			t.Fatal(err)
		}
		want, err := os.ReadFile(filepath.Join("proto/notifier/v1", name))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(versions.ReplaceAll(got, nil), versions.ReplaceAll(want, nil)) {
			t.Errorf("%s is stale: regenerate it (see the header of notifier.proto)", name)
		}
	}
}
