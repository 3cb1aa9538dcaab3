package dbutil

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"runtime"
	"sync"
	"time"

	lru "github.com/hashicorp/golang-lru/v2"
	"github.com/klauspost/compress/zstd"
	"github.com/periscope-hq/periscope/core"
)

// Event bodies of version 2 are compressed with a zstd dictionary of their
// project (migrations 0005): most of an event repeats the events before it
// (SDK metadata, contexts, modules, the same stack traces and
// breadcrumbs), which a frame of its own cannot use and a dictionary
// trained from the project's first events can. On the speed.sh corpus a
// body shrinks from about 2.6 KB to about 0.3 KB, and compresses faster.
const (
	// dictSize is the most bytes of a dictionary's content.
	dictSize = 128 << 10
	// trainEvents and trainBytes: a project's dictionary is trained once
	// this many of its events (or bytes of payload) were sampled.
	trainEvents = 64
	trainBytes  = 4 * dictSize
	// retrainEvents: after this many events with one dictionary, a project
	// samples its events again and trains the next version.
	retrainEvents = 500_000
	retryEvents   = 50_000
	// dictID is the zstd dictionary id inside every dictionary and frame
	// (the database id of the dictionary is in the body's header).
	dictID = 0x7e7e
	// bodyVersion2 is the first byte of a version 2 body.
	bodyVersion2 = 2
)

// DictStore is where a Codec keeps dictionaries: the event_dicts table.
type DictStore interface {
	// LoadDict returns the dictionary with the given id (ENOTFOUND when
	// there is none).
	LoadDict(ctx context.Context, id int64) ([]byte, error)
	// LatestDict returns a project's newest dictionary, or id 0 when it has
	// none.
	LatestDict(ctx context.Context, projectID int64) (id int64, dict []byte, err error)
	// SaveDict stores a new dictionary of a project and returns its id.
	SaveDict(ctx context.Context, projectID int64, dict []byte, now time.Time) (int64, error)
}

// Codec encodes and decodes event bodies with per-project dictionaries. It
// is safe for concurrent use.
type Codec struct {
	store    DictStore
	projects *lru.Cache[int64, *projectDict]
	decoders *lru.Cache[int64, *zstd.Decoder]
	mu       sync.Mutex // serializes loading decoders
	wmu      sync.Mutex // serializes Encoders and Observe (the projects' state)
}

// projectDict is what the writer knows of a project's dictionary.
type projectDict struct {
	id   int64 // 0: none yet
	enc  *zstd.Encoder
	used int // events encoded since the last training (or the start)
	wait int // events to encode before sampling (again)
	// Payloads sampled for the next dictionary: the first of each grouping
	// hash, and the others.
	firsts, samples [][]byte
	bytes           int
	hashes          map[string]bool
	ready           bool // enough samples: training is due
}

// sampling reports whether the project's events are sampled for its next
// dictionary: from the start, then again retrainEvents after each training
// (retryEvents after a failed one).
func (pd *projectDict) sampling() bool { return pd.used >= pd.wait }

// NewCodec returns a Codec over store. It keeps the state of up to 256
// projects and the decoders of up to 64 dictionaries in memory.
func NewCodec(store DictStore) *Codec {
	projects, _ := lru.New[int64, *projectDict](256)
	decoders, _ := lru.New[int64, *zstd.Decoder](64)
	return &Codec{store: store, projects: projects, decoders: decoders}
}

// BodyEncoder compresses the bodies of one project's events.
type BodyEncoder struct {
	id  int64 // the dictionary's id, 0 for none
	enc *zstd.Encoder
}

// Encoders returns the encoder of each project of ps (loading its newest
// dictionary on first use) and counts the events it will encode.
func (c *Codec) Encoders(ctx context.Context, ps []*Prepared) (map[int64]BodyEncoder, error) {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	out := map[int64]BodyEncoder{}
	for _, p := range ps {
		if p.DupOf >= 0 {
			continue
		}
		pid := p.E.ProjectID
		pd, ok := c.projects.Get(pid)
		if !ok {
			pd = &projectDict{}
			id, dict, err := c.store.LatestDict(ctx, pid)
			if err != nil {
				return nil, err
			}
			if id != 0 {
				if pd.enc, err = newDictEncoder(dict); err != nil {
					return nil, fmt.Errorf("dictionary %d: %w", id, err)
				}
				pd.id, pd.wait = id, retrainEvents
			}
			c.projects.Add(pid, pd)
		}
		pd.used++
		out[pid] = BodyEncoder{id: pd.id, enc: pd.enc}
	}
	return out, nil
}

// Observe samples the stored events of a committed batch for the projects
// that need a dictionary, and trains and saves it once enough are
// sampled. A failure to train or save leaves the project without a new
// dictionary (its events are still compressed, only less well) and
// samples again.
func (c *Codec) Observe(ctx context.Context, ps []*Prepared, stored []bool, now time.Time) error {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	var ready []int64
	for i, p := range ps {
		if !stored[i] || len(p.E.Payload) == 0 {
			continue
		}
		pd, ok := c.projects.Get(p.E.ProjectID)
		if !ok || !pd.sampling() || pd.ready {
			continue
		}
		if pd.hashes == nil {
			pd.hashes = map[string]bool{}
		}
		// The first event of each hash goes first: a dictionary that holds
		// many kinds of events helps more than one holding many of a kind.
		sample := append([]byte(nil), p.E.Payload...)
		if h := p.E.Grouping.Hash; !pd.hashes[h] {
			pd.hashes[h] = true
			pd.firsts = append(pd.firsts, sample)
		} else {
			pd.samples = append(pd.samples, sample)
		}
		pd.bytes += len(sample)
		if !pd.ready && (len(pd.firsts)+len(pd.samples) >= trainEvents || pd.bytes >= trainBytes) {
			pd.ready = true
			ready = append(ready, p.E.ProjectID)
		}
	}
	var errs []error
	for _, pid := range ready {
		pd, ok := c.projects.Get(pid)
		if !ok {
			continue
		}
		samples := append(pd.firsts, pd.samples...)
		pd.firsts, pd.samples, pd.bytes, pd.hashes, pd.ready = nil, nil, 0, nil, false
		pd.used, pd.wait = 0, retryEvents
		dict, err := TrainDict(samples)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		enc, err := newDictEncoder(dict)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		id, err := c.store.SaveDict(ctx, pid, dict, now)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		pd.id, pd.enc, pd.wait = id, enc, retrainEvents
	}
	return errors.Join(errs...)
}

// Forget drops what the codec knows of a project's dictionary (after a
// rolled-back SaveDict, or in tests).
func (c *Codec) Forget(projectID int64) { c.projects.Remove(projectID) }

// TrainDict builds a dictionary from sample payloads: up to dictSize bytes
// of them as its content, and entropy tables from the others.
//
// zstd.BuildDict panics on some inputs (slice bounds in its encoder, seen
// with a sample longer than a block, which splitBlocks now prevents); such
// samples give an error and the project keeps writing without a
// dictionary, instead of the panic taking the server down.
func TrainDict(samples [][]byte) (dict []byte, err error) {
	defer func() {
		if r := recover(); r != nil {
			dict, err = nil, fmt.Errorf("zstd: building a dictionary failed: %v", r)
		}
	}()
	// The content comes from the first three quarters of the samples; the
	// entropy tables from how the rest compress against it.
	n := max(1, len(samples)*3/4)
	var used, rest [][]byte
	size := 0
	for i, s := range samples {
		if i >= n || size+len(s) > dictSize {
			rest = append(rest, s)
			continue
		}
		used = append(used, s)
		size += len(s)
	}
	if size < 64 {
		return nil, fmt.Errorf("train dictionary: %d bytes of samples is too little", size)
	}
	if len(rest) == 0 {
		rest = samples
	}
	rest = splitBlocks(rest)
	// The first (most varied) samples go last, nearest to the data.
	hist := make([]byte, 0, size)
	for i := len(used) - 1; i >= 0; i-- {
		hist = append(hist, used[i]...)
	}
	d, err := zstd.BuildDict(zstd.BuildDictOptions{ID: dictID, Contents: rest, History: hist,
		Offsets: [3]int{1, 4, 8}, Level: zstd.SpeedFastest})
	if err != nil {
		return nil, fmt.Errorf("train dictionary: %w", err)
	}
	return d, nil
}

// blockMax is the most bytes of one zstd block. zstd.BuildDict compresses
// each content sample as one block: a larger sample (a Go event with a
// 200 KB request body, in the SDK corpus) made it panic, or build a
// dictionary that fails its own validation.
const blockMax = 128 << 10

// splitBlocks returns samples with each one longer than blockMax cut
// into pieces of at most blockMax bytes.
func splitBlocks(samples [][]byte) [][]byte {
	out := make([][]byte, 0, len(samples))
	for _, s := range samples {
		for len(s) > blockMax {
			out = append(out, s[:blockMax])
			s = s[blockMax:]
		}
		out = append(out, s)
	}
	return out
}

func newDictEncoder(dict []byte) (*zstd.Encoder, error) {
	return zstd.NewWriter(nil,
		zstd.WithEncoderLevel(zstd.SpeedFastest),
		zstd.WithWindowSize(1<<20),
		zstd.WithZeroFrames(true),
		zstd.WithEncoderConcurrency(runtime.GOMAXPROCS(0)),
		zstd.WithEncoderDict(dict))
}

// Body is an event body decoded.
type Body struct {
	Payload    []byte // the event as received
	Components []byte // grouping components (nil in a version 1 body: see the column)
	Data       []byte // normalized data, when the writer kept it
}

// EncodeBody returns the version 2 body of an event: byte 2, the uvarint
// id of e's dictionary (0: none), then one zstd frame of: the uvarint
// length of the payload, the payload, the uvarint length of the
// components, the components, the data. It returns nil when all three are
// empty.
func (e BodyEncoder) EncodeBody(b Body) []byte {
	if len(b.Payload) == 0 && len(b.Components) == 0 && len(b.Data) == 0 {
		return nil
	}
	raw := make([]byte, 0, 2*binary.MaxVarintLen64+len(b.Payload)+len(b.Components)+len(b.Data))
	raw = binary.AppendUvarint(raw, uint64(len(b.Payload)))
	raw = append(raw, b.Payload...)
	raw = binary.AppendUvarint(raw, uint64(len(b.Components)))
	raw = append(raw, b.Components...)
	raw = append(raw, b.Data...)
	out := make([]byte, 0, len(raw)/4+32)
	out = append(out, bodyVersion2)
	out = binary.AppendUvarint(out, uint64(e.id))
	enc := e.enc
	if enc == nil {
		enc, _ = codec()
	}
	return enc.EncodeAll(raw, out)
}

// DecodeBody reads a body of either version. A version 1 body has no
// components (they are in the grouping_components column).
func (c *Codec) DecodeBody(ctx context.Context, b []byte) (Body, error) {
	if len(b) == 0 {
		return Body{}, nil
	}
	if b[0] != bodyVersion2 {
		// Version 1 is a zstd frame, whose first byte is 0x28.
		payload, data, err := DecodeBody(b)
		return Body{Payload: payload, Data: data}, err
	}
	id, k := binary.Uvarint(b[1:])
	if k <= 0 {
		return Body{}, fmt.Errorf("stored event body is corrupt")
	}
	dec, err := c.decoder(ctx, int64(id))
	if err != nil {
		return Body{}, err
	}
	raw, err := dec.DecodeAll(b[1+k:], nil)
	if err != nil {
		return Body{}, fmt.Errorf("decompress stored body: %w", err)
	}
	var out Body
	var fields [2][]byte
	for i := range fields {
		n, k := binary.Uvarint(raw)
		if k <= 0 || n > uint64(len(raw)-k) {
			return Body{}, fmt.Errorf("stored event body is corrupt")
		}
		fields[i], raw = raw[k:k+int(n):k+int(n)], raw[k+int(n):]
	}
	out.Payload, out.Components, out.Data = nilIfEmpty(fields[0]), nilIfEmpty(fields[1]), nilIfEmpty(raw)
	return out, nil
}

func nilIfEmpty(b []byte) []byte {
	if len(b) == 0 {
		return nil
	}
	return b
}

// decoder returns the decoder of dictionary id (0: the plain one).
func (c *Codec) decoder(ctx context.Context, id int64) (*zstd.Decoder, error) {
	if id == 0 {
		_, dec := codec()
		return dec, nil
	}
	if dec, ok := c.decoders.Get(id); ok {
		return dec, nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if dec, ok := c.decoders.Get(id); ok {
		return dec, nil
	}
	dict, err := c.store.LoadDict(ctx, id)
	if core.ErrorCode(err) == core.ENOTFOUND {
		return nil, fmt.Errorf("stored event body needs dictionary %d, which is missing", id)
	} else if err != nil {
		return nil, err
	}
	dec, err := zstd.NewReader(nil,
		zstd.WithDecoderConcurrency(0),
		zstd.WithDecoderMaxMemory(256<<20),
		zstd.WithDecoderDicts(dict))
	if err != nil {
		return nil, fmt.Errorf("dictionary %d: %w", id, err)
	}
	c.decoders.Add(id, dec)
	return dec, nil
}

// FillComponents fills the grouping components of an event read without
// its payload from its body (version 2 keeps them there; a version 1 row
// has them in the grouping_components column, already read).
func (c *Codec) FillComponents(ctx context.Context, e *core.Event, body []byte) error {
	if e.Grouping.Components != nil || len(body) == 0 {
		return nil
	}
	b, err := c.DecodeBody(ctx, body)
	if err != nil {
		return err
	}
	e.Grouping.Components = b.Components
	return nil
}
