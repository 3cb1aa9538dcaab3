package dbutil_test

import (
	"bytes"
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/klauspost/compress/zstd"
	"github.com/periscope-hq/periscope/core"
	"github.com/periscope-hq/periscope/core/internal/dbutil"
)

// memDicts is a DictStore in memory.
type memDicts struct {
	mu    sync.Mutex
	dicts map[int64][]byte
	owner map[int64]int64
	saves int
}

func newMemDicts() *memDicts { return &memDicts{dicts: map[int64][]byte{}, owner: map[int64]int64{}} }

func (m *memDicts) LoadDict(_ context.Context, id int64) ([]byte, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	d, ok := m.dicts[id]
	if !ok {
		return nil, core.Errorf(core.ENOTFOUND, "dictionary %d not found", id)
	}
	return d, nil
}

func (m *memDicts) LatestDict(_ context.Context, projectID int64) (int64, []byte, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var best int64
	for id, p := range m.owner {
		if p == projectID && id > best {
			best = id
		}
	}
	return best, m.dicts[best], nil
}

func (m *memDicts) SaveDict(_ context.Context, projectID int64, dict []byte, _ time.Time) (int64, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.saves++
	id := int64(len(m.dicts) + 1)
	m.dicts[id], m.owner[id] = dict, projectID
	return id, nil
}

// payload is a realistic event: most of it repeats between events, a few
// ids do not.
func payload(i int) []byte {
	return fmt.Appendf(nil, `{"event_id":"%032x","level":"error","platform":"node","release":"shop@2.3.%d",`+
		`"exception":{"values":[{"type":"TypeError","value":"Cannot read properties of undefined (reading 'id%d')",`+
		`"stacktrace":{"frames":[{"filename":"/srv/app/orders.js","function":"loadOrder","lineno":%d,"in_app":true,`+
		`"context_line":"  const id = order.customer.id;","pre_context":["async function loadOrder(req) {","  const order = await db.find(req.params.id);"],`+
		`"post_context":["  return render(order, id);","}"]}]}}]},"contexts":{"runtime":{"name":"node","version":"v20.20.2"},`+
		`"os":{"name":"Debian","version":"12.11"},"device":{"arch":"x64","processor_count":2}},"sdk":{"name":"sentry.javascript.node",`+
		`"version":"11.12.0","integrations":["EventFilters","FunctionToString","LinkedErrors","Dedupe","RequestData","Console","Http"]},`+
		`"breadcrumbs":[{"timestamp":1795787830.%03d,"category":"console","message":"step %d -> %032x"}]}`,
		i*7919, i%5, i%20, 40+i%9, i%1000, i, i*104729)
}

func batch(project int64, from, n int) []*dbutil.Prepared {
	ps := make([]*dbutil.Prepared, n)
	for i := range ps {
		k := from + i
		ps[i] = &dbutil.Prepared{DupOf: -1, E: &core.Event{ProjectID: project, Payload: payload(k),
			Grouping: core.Grouping{Hash: fmt.Sprintf("%032x", k%20),
				Components: fmt.Appendf(nil, `{"values":["loadOrder","TypeError%d"]}`, k%20)}}}
	}
	return ps
}

func allStored(n int) []bool {
	s := make([]bool, n)
	for i := range s {
		s[i] = true
	}
	return s
}

// TestCodecTrainsPerProject: a project's first events are compressed
// without a dictionary; once enough are sampled one is trained for that
// project alone, later events name it and are much smaller; every body
// reads back byte for byte, also through a codec that starts empty (a
// restart, another node).
func TestCodecTrainsPerProject(t *testing.T) {
	ctx := context.Background()
	store := newMemDicts()
	c := dbutil.NewCodec(store)
	var bodies [][]byte
	var events []*dbutil.Prepared
	encode := func(ps []*dbutil.Prepared) (size int) {
		encs, err := c.Encoders(ctx, ps)
		if err != nil {
			t.Fatal(err)
		}
		dbutil.Encode(ps, encs)
		for _, p := range ps {
			bodies, events = append(bodies, p.Body), append(events, p)
			size += len(p.Body)
		}
		if err := c.Observe(ctx, ps, allStored(len(ps)), time.Now()); err != nil {
			t.Fatal(err)
		}
		return size / len(ps)
	}
	before := encode(batch(1, 0, 100))
	if store.saves != 1 {
		t.Fatalf("%d dictionaries saved after 100 events, want 1", store.saves)
	}
	encode(batch(2, 0, 10)) // another project: too few to train
	after := encode(batch(1, 100, 100))
	if store.saves != 1 {
		t.Errorf("%d dictionaries saved, want 1 (project 2 has too few events)", store.saves)
	}
	if after*2 > before {
		t.Errorf("average body %d B with the dictionary, %d B before: want less than half", after, before)
	}
	if bodies[150][0] != 2 || bodies[150][1] != 1 {
		t.Errorf("body after training starts % x, want version 2 and dictionary 1", bodies[150][:2])
	}
	fresh := dbutil.NewCodec(store)
	for i, b := range bodies {
		for _, codec := range []*dbutil.Codec{c, fresh} {
			got, err := codec.DecodeBody(ctx, b)
			if err != nil {
				t.Fatalf("body %d: %v", i, err)
			}
			if !bytes.Equal(got.Payload, events[i].E.Payload) || !bytes.Equal(got.Components, events[i].E.Grouping.Components) || got.Data != nil {
				t.Fatalf("body %d: got %q / %q, want %q / %q", i, got.Payload, got.Components, events[i].E.Payload, events[i].E.Grouping.Components)
			}
		}
	}
	// The fresh codec also encodes with the project's dictionary.
	encs, err := fresh.Encoders(ctx, batch(1, 500, 1))
	if err != nil {
		t.Fatal(err)
	}
	if b := encs[1].EncodeBody(dbutil.Body{Payload: payload(500)}); b[1] != 1 {
		t.Errorf("a fresh codec encodes with dictionary %d, want 1", b[1])
	}
}

// TestCodecReadsVersion1: bodies written before version 2 (payload and
// data in one frame, components in their column) read unchanged.
func TestCodecReadsVersion1(t *testing.T) {
	c := dbutil.NewCodec(newMemDicts())
	old := dbutil.EncodeBody([]byte(`{"a":1}`), []byte(`{"b":2}`))
	got, err := c.DecodeBody(context.Background(), old)
	if err != nil || string(got.Payload) != `{"a":1}` || string(got.Data) != `{"b":2}` || got.Components != nil {
		t.Errorf("DecodeBody(version 1) = %q, %q, %q, %v", got.Payload, got.Data, got.Components, err)
	}
}

func TestCodecRefusesBadBodies(t *testing.T) {
	ctx := context.Background()
	c := dbutil.NewCodec(newMemDicts())
	good := dbutil.BodyEncoder{}.EncodeBody(dbutil.Body{Payload: []byte(`{"a":1}`)})
	if got, err := c.DecodeBody(ctx, good); err != nil || string(got.Payload) != `{"a":1}` {
		t.Fatalf("DecodeBody(no dictionary) = %q, %v", got.Payload, err)
	}
	for name, b := range map[string][]byte{
		"missing dictionary": append([]byte{2, 9}, good[2:]...),
		"truncated header":   {2},
		"garbage frame":      {2, 0, 'x', 'y'},
		"length past end":    dbutil.BodyEncoder{}.EncodeBody(dbutil.Body{Payload: []byte("x")})[:3],
	} {
		if _, err := c.DecodeBody(ctx, b); err == nil {
			t.Errorf("%s: got nil error", name)
		}
	}
	if b := (dbutil.BodyEncoder{}).EncodeBody(dbutil.Body{}); b != nil {
		t.Errorf("EncodeBody(empty) = %v, want nil", b)
	}
}

// TestTrainDictLargeSample: one event larger than a zstd block (128 KiB)
// among the samples, as a Go SDK event carrying a large request body sends,
// made zstd.BuildDict panic with "slice bounds out of range". Training must
// succeed, and the dictionary must compress the ordinary events.
func TestTrainDictLargeSample(t *testing.T) {
	var samples [][]byte
	for i := range 48 {
		samples = append(samples, payload(i))
	}
	big := bytes.Repeat(payload(999), 220<<10/len(payload(999))+1)
	for _, at := range []int{0, 20, 40, len(samples)} {
		s := append(append(append([][]byte{}, samples[:at]...), big), samples[at:]...)
		dict, err := dbutil.TrainDict(s)
		if err != nil {
			t.Errorf("large sample at %d: %v", at, err)
			continue
		}
		plain, _ := zstd.NewWriter(nil, zstd.WithEncoderLevel(zstd.SpeedFastest))
		withDict, err := zstd.NewWriter(nil, zstd.WithEncoderLevel(zstd.SpeedFastest), zstd.WithEncoderDict(dict))
		if err != nil {
			t.Fatalf("large sample at %d: the dictionary does not load: %v", at, err)
		}
		ev := payload(5000)
		if a, b := len(withDict.EncodeAll(ev, nil)), len(plain.EncodeAll(ev, nil)); a >= b*2/3 {
			t.Errorf("large sample at %d: an event compresses to %d bytes with the dictionary, %d without", at, a, b)
		}
	}
}
