package projections

import (
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"time"
)

// The checkpoint file is the magic, the format version (uint32, big
// endian), and then the body as a chain of chunks: each chunk is its length
// (uint32), the SHA-256 of the previous chunk's digest, the length and the
// data, and the data. The first chunk chains from the SHA-256 of magic and
// version; an empty chunk ends the file. So every byte of the body is
// covered by a SHA-256 that is checked before the bytes are parsed, and a
// file cut at any point, or with a chunk dropped or repeated, is rejected.
// Parsing never allocates from unverified lengths.
//
// Format 3 (format 2 is refused, and the log replayed): the transactions
// start a new chunk, and each chunk of transactions starts with their
// number and the number of beneficiaries the chunks before it named, and
// restarts the deltas of positions and recorded_at, so that the reader
// decodes the chunks on every core.
//
// Format 4 (format 3 is refused, and the log replayed): the head carries,
// after the last event's id and hash, the position of the event before it
// and the state of the history digest (see history.go), so that a start
// checks the checkpoint against a log whose positions are not contiguous
// and a verification checks the whole history it was built from.
//
// Format 5 (format 4 is refused, and the log replayed): each unit carries
// the recorded_at of its registration, each fund the recorded_at and the
// position of its opening, which known_at queries need (a unit or fund
// recorded after the instant asked about did not exist yet).
//
// Format 6 (format 5 is refused, and the log replayed): after the tokens,
// the closures of fiscal years (periods_checkpoint.go).
//
// Format 7 (format 6 is refused, and the log replayed): after the
// closures, the closings still pending and the void events
// (periods_void.go).
const (
	ckptMagic   = "WLPROJ\x00\x00"
	ckptVersion = 7
	// ckptChunk is the size at which the writer cuts a chunk.
	ckptChunk = 1 << 20
	// maxCkptChunk is the largest chunk a reader accepts (a writer of
	// this format never writes one above ckptChunk plus one record).
	maxCkptChunk = 64 << 20
	// ckptReadAhead is how many verified chunks the reader keeps ahead of
	// the parser: reading and hashing overlap with parsing.
	ckptReadAhead = 4
)

// chunkSize is the size at which the writer cuts a chunk: ckptChunk, and
// less in tests, so that small histories take many chunks.
var chunkSize = ckptChunk

// Errors of ReadCheckpoint.
var (
	// ErrCheckpointFormat: not a checkpoint, or a format version this
	// program does not read.
	ErrCheckpointFormat = errors.New("not a projections checkpoint of a known format version")
	// ErrCheckpointCorrupt: a checksum does not match, the file is cut
	// short, or its content is inconsistent.
	ErrCheckpointCorrupt = errors.New("projections checkpoint is corrupt or incomplete")
)

// chunkWriter writes the chunked, hash-chained body.
type chunkWriter struct {
	w    io.Writer
	prev [sha256.Size]byte
	hdr  [4 + sha256.Size]byte
}

func newChunkWriter(w io.Writer) (*chunkWriter, error) {
	var head [len(ckptMagic) + 4]byte
	copy(head[:], ckptMagic)
	binary.BigEndian.PutUint32(head[len(ckptMagic):], ckptVersion)
	if _, err := w.Write(head[:]); err != nil {
		return nil, err
	}
	return &chunkWriter{w: w, prev: sha256.Sum256(head[:])}, nil
}

// chunkDigest is the digest of a chunk of data after prev.
func chunkDigest(prev [sha256.Size]byte, data []byte) [sha256.Size]byte {
	h := sha256.New()
	var n [4]byte
	binary.BigEndian.PutUint32(n[:], uint32(len(data)))
	h.Write(prev[:])
	h.Write(n[:])
	h.Write(data)
	var d [sha256.Size]byte
	h.Sum(d[:0])
	return d
}

// chunk writes data as one chunk; an empty data ends the body.
func (c *chunkWriter) chunk(data []byte) error {
	d := chunkDigest(c.prev, data)
	binary.BigEndian.PutUint32(c.hdr[:4], uint32(len(data)))
	copy(c.hdr[4:], d[:])
	if _, err := c.w.Write(c.hdr[:]); err != nil {
		return err
	}
	if len(data) > 0 {
		if _, err := c.w.Write(data); err != nil {
			return err
		}
	}
	c.prev = d
	return nil
}

// writeAll writes b as chunks of at most chunkSize bytes.
func (c *chunkWriter) writeAll(b []byte) error {
	for len(b) > 0 {
		n := min(len(b), chunkSize)
		if err := c.chunk(b[:n]); err != nil {
			return err
		}
		b = b[n:]
	}
	return nil
}

// chunkReader reads and verifies the chunks of a body in its own
// goroutine; next returns them in order, nil at the end marker.
type chunkReader struct {
	ch   chan chunkResult
	stop chan struct{}
	// free holds chunks the parser is done with, for the reader to read
	// into again: a load keeps everything else it allocates, and would
	// otherwise leave the whole file behind as garbage.
	free chan []byte
}

// ckptFreeChunks bounds the chunks kept for reuse.
const ckptFreeChunks = 2 * ckptReadAhead

// recycle hands back a chunk that next returned and that nothing refers
// to any more.
func (c *chunkReader) recycle(b []byte) {
	select {
	case c.free <- b:
	default:
	}
}

// buffer returns a buffer of n bytes, reused when one is free.
func (c *chunkReader) buffer(n int) []byte {
	select {
	case b := <-c.free:
		if cap(b) >= n {
			return b[:n]
		}
	default:
	}
	return make([]byte, n)
}

type chunkResult struct {
	data []byte
	err  error
}

func newChunkReader(r io.Reader) (*chunkReader, error) {
	var head [len(ckptMagic) + 4]byte
	if _, err := io.ReadFull(r, head[:]); err != nil {
		return nil, fmt.Errorf("read header: %w (%w)", err, ErrCheckpointFormat)
	}
	if string(head[:len(ckptMagic)]) != ckptMagic {
		return nil, fmt.Errorf("bad magic: %w", ErrCheckpointFormat)
	}
	if v := binary.BigEndian.Uint32(head[len(ckptMagic):]); v != ckptVersion {
		return nil, fmt.Errorf("format version %d, this program reads %d: %w", v, ckptVersion, ErrCheckpointFormat)
	}
	c := &chunkReader{ch: make(chan chunkResult, ckptReadAhead), stop: make(chan struct{}), free: make(chan []byte, ckptFreeChunks)}
	go c.run(r, sha256.Sum256(head[:]))
	return c, nil
}

func (c *chunkReader) run(r io.Reader, prev [sha256.Size]byte) {
	defer close(c.ch)
	send := func(res chunkResult) bool {
		select {
		case c.ch <- res:
			return true
		case <-c.stop:
			return false
		}
	}
	var hdr [4 + sha256.Size]byte
	for {
		if _, err := io.ReadFull(r, hdr[:]); err != nil {
			send(chunkResult{err: fmt.Errorf("read chunk header: %v: %w", err, ErrCheckpointCorrupt)})
			return
		}
		n := binary.BigEndian.Uint32(hdr[:4])
		if n > maxCkptChunk {
			send(chunkResult{err: fmt.Errorf("chunk of %d bytes: %w", n, ErrCheckpointCorrupt)})
			return
		}
		data := c.buffer(int(n))
		if _, err := io.ReadFull(r, data); err != nil {
			send(chunkResult{err: fmt.Errorf("read chunk: %v: %w", err, ErrCheckpointCorrupt)})
			return
		}
		d := chunkDigest(prev, data)
		if string(d[:]) != string(hdr[4:]) {
			send(chunkResult{err: fmt.Errorf("SHA-256 mismatch: %w", ErrCheckpointCorrupt)})
			return
		}
		prev = d
		if n == 0 {
			send(chunkResult{})
			return
		}
		if !send(chunkResult{data: data}) {
			return
		}
	}
}

// next returns the next verified chunk, or nil after the last one.
func (c *chunkReader) next() ([]byte, error) {
	res, ok := <-c.ch
	if !ok {
		return nil, fmt.Errorf("read past the end marker: %w", ErrCheckpointCorrupt)
	}
	return res.data, res.err
}

// close stops the reading goroutine.
func (c *chunkReader) close() {
	close(c.stop)
	for range c.ch {
	}
}

// enc appends the primitive values of the body.
type enc struct{ b []byte }

func (e *enc) u(v uint64)    { e.b = binary.AppendUvarint(e.b, v) }
func (e *enc) i(v int64)     { e.b = binary.AppendVarint(e.b, v) }
func (e *enc) byte1(v uint8) { e.b = append(e.b, v) }
func (e *enc) id(v [16]byte) { e.b = append(e.b, v[:]...) }
func (e *enc) str(s string) {
	e.u(uint64(len(s)))
	e.b = append(e.b, s...)
}
func (e *enc) bool1(v bool) {
	if v {
		e.byte1(1)
	} else {
		e.byte1(0)
	}
}
func (e *enc) strs(ss []string) {
	e.u(uint64(len(ss)))
	for _, s := range ss {
		e.str(s)
	}
}

// dec reads the primitive values of the body from the verified chunks.
// Errors are sticky: after the first, every read returns zero values and
// err says why.
type dec struct {
	buf  []byte
	off  int
	src  *chunkReader
	done bool
	err  error
}

func (d *dec) fail(format string, args ...any) {
	if d.err == nil {
		d.err = fmt.Errorf(format+": %w", append(args, ErrCheckpointCorrupt)...)
	}
}

// ensure makes at least n bytes available, or as many as remain before the
// end of the body; it reports whether n are.
func (d *dec) ensure(n int) bool {
	for len(d.buf)-d.off < n && !d.done && d.err == nil {
		next, err := d.src.next()
		if err != nil {
			d.err = err
			return false
		}
		if next == nil {
			d.done = true
			break
		}
		rest := d.buf[d.off:]
		if len(rest) == 0 {
			d.buf = next
		} else {
			d.buf = append(append(make([]byte, 0, len(rest)+len(next)), rest...), next...)
		}
		d.off = 0
	}
	return len(d.buf)-d.off >= n
}

// u and i read the next chunk only when the varint is cut by the end of
// the current one, so that reading the head never reads the first chunk
// of transactions, which is decoded on its own.
func (d *dec) u() uint64 {
	if d.err != nil {
		return 0
	}
	v, n := binary.Uvarint(d.buf[d.off:])
	if n == 0 && d.ensure(len(d.buf)-d.off+1) {
		return d.u()
	}
	if n <= 0 {
		d.fail("bad varint")
		return 0
	}
	d.off += n
	return v
}

func (d *dec) i() int64 {
	if d.err != nil {
		return 0
	}
	v, n := binary.Varint(d.buf[d.off:])
	if n == 0 && d.ensure(len(d.buf)-d.off+1) {
		return d.i()
	}
	if n <= 0 {
		d.fail("bad varint")
		return 0
	}
	d.off += n
	return v
}

// atChunkEnd reports whether every byte read so far has been parsed.
func (d *dec) atChunkEnd() bool { return d.off == len(d.buf) }

// bytes returns the next n bytes, valid until the next read.
func (d *dec) bytes(n int) []byte {
	if d.err != nil {
		return nil
	}
	if !d.ensure(n) {
		d.fail("cut short")
		return nil
	}
	b := d.buf[d.off : d.off+n]
	d.off += n
	return b
}

func (d *dec) byte1() uint8 {
	if b := d.bytes(1); b != nil {
		return b[0]
	}
	return 0
}

func (d *dec) bool1() bool { return d.byte1() == 1 }

func (d *dec) id() (v [16]byte) {
	copy(v[:], d.bytes(16))
	return v
}

// count reads a number of items, each of which takes at least one byte of
// the body: a count above limit can only be corruption.
func (d *dec) count(limit int) int {
	n := d.u()
	if limit < 0 || n > uint64(limit) {
		d.fail("count %d above %d", n, limit)
		return 0
	}
	return int(n)
}

func (d *dec) str() string {
	n := d.count(maxCkptChunk)
	if n == 0 {
		return ""
	}
	return string(d.bytes(n))
}

func (d *dec) date() int32 { return int32(d.i()) }

func (d *dec) strs(limit int) []string {
	n := d.count(limit)
	out := make([]string, 0, n)
	for range n {
		out = append(out, d.str())
	}
	return out
}

func encodeTime(e *enc, t time.Time) {
	b, err := t.MarshalBinary()
	if err != nil {
		// Only a zone offset that is not a whole minute fails, which
		// recorded_at (RFC 3339 in the log) cannot have.
		panic(fmt.Sprintf("checkpoint: encode time %v: %v", t, err))
	}
	e.str(string(b))
}

func decodeTime(d *dec) time.Time {
	var t time.Time
	if err := t.UnmarshalBinary([]byte(d.str())); err != nil && d.err == nil {
		d.fail("time: %v", err)
	}
	return t
}
