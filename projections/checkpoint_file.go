package projections

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"sync"
	"time"

	"github.com/welfare-ledger/welfare-ledger/domain"
)

// ckptLoadHeapPerByte bounds the memory a load may allocate before the
// collector runs, per byte of checkpoint file: a load of 10 M events
// allocates ~4.5 bytes per byte of its file (the projections and the
// scratch of their rebuilding), so this leaves room, and a limit only
// makes the collector work, it never fails the load.
const ckptLoadHeapPerByte = 8

// ckptLoadHeapMin is the least room a load's memory limit leaves: a small
// checkpoint still allocates its reader's buffers.
const ckptLoadHeapMin = 64 << 20

// collectorOff turns the garbage collector off for the load of a
// checkpoint file of size bytes, with a memory limit of what the heap
// holds now plus ckptLoadHeapPerByte per byte of it, at least
// ckptLoadHeapMin (or the limit already set, if lower). The function it
// returns restores both settings.
func collectorOff(size int64) (restore func()) {
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	limit := debug.SetMemoryLimit(-1)
	if guard := int64(ms.Sys) + max(ckptLoadHeapPerByte*size, ckptLoadHeapMin); guard < limit {
		debug.SetMemoryLimit(guard)
	}
	gc := debug.SetGCPercent(-1)
	return func() {
		debug.SetGCPercent(gc)
		debug.SetMemoryLimit(limit)
	}
}

// WriteCheckpointFile writes a checkpoint of p to path atomically: to a
// temporary file in the same directory, synced, renamed over path, and the
// directory synced, so that path is always either the previous checkpoint
// or the new one, whole.
func WriteCheckpointFile(p *Projections, path string) (CheckpointInfo, error) {
	dir := filepath.Dir(path)
	f, err := os.CreateTemp(dir, filepath.Base(ckptTempPattern(path)))
	if err != nil {
		return CheckpointInfo{}, fmt.Errorf("write checkpoint: %w", err)
	}
	tmp := f.Name()
	fail := func(err error) (CheckpointInfo, error) {
		f.Close()
		os.Remove(tmp)
		return CheckpointInfo{}, fmt.Errorf("write checkpoint %s: %w", path, err)
	}
	cw := &countingWriter{w: f}
	bw := bufio.NewWriterSize(cw, 1<<20)
	info, err := p.writeCheckpoint(bw)
	if err != nil {
		return fail(err)
	}
	if err := bw.Flush(); err != nil {
		return fail(err)
	}
	info.Bytes = cw.n
	if err := f.Sync(); err != nil {
		return fail(err)
	}
	if err := f.Close(); err != nil {
		os.Remove(tmp)
		return CheckpointInfo{}, fmt.Errorf("write checkpoint %s: %w", path, err)
	}
	if err := os.Rename(tmp, path); err != nil {
		os.Remove(tmp)
		return CheckpointInfo{}, fmt.Errorf("write checkpoint %s: %w", path, err)
	}
	if d, err := os.Open(dir); err == nil {
		err = d.Sync()
		d.Close()
		if err != nil {
			return CheckpointInfo{}, fmt.Errorf("write checkpoint %s: sync directory: %w", path, err)
		}
	}
	return info, nil
}

// ckptTempPattern is the pattern of the temporary files of the checkpoint
// at path.
func ckptTempPattern(path string) string {
	return filepath.Join(filepath.Dir(path), "."+filepath.Base(path)+".*.tmp")
}

// Load returns the projections of the checkpoint at path when it can be
// used with store's log, and otherwise empty projections, logging why: no
// file, an unknown format version, a checksum that does not match. Run
// then catches up from whichever position the projections hold.
//
// A log that does not hold, at the checkpoint's position, the event the
// checkpoint was taken after (a log that lost its newest events, a
// restored older backup, another ledger's log) is not replayed over: that
// checkpoint is the evidence of history the service recorded and the log
// no longer has. Load returns a *HistoryError (ErrHistoryMissing) for it
// and leaves the file as it is; the caller refuses to start, or sets the
// file aside (SetAsideCheckpoint) on the operator's word. Its other
// errors are store errors.
func Load(ctx context.Context, store domain.EventStore, path string, log *slog.Logger) (*Projections, error) {
	start := time.Now()
	// A process killed while writing a checkpoint leaves its temporary
	// file behind.
	if stale, err := filepath.Glob(ckptTempPattern(path)); err == nil {
		for _, f := range stale {
			os.Remove(f)
		}
	}
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		log.Info("no projections checkpoint: replaying the log from the start", "path", path)
		return New(), nil
	}
	if err != nil {
		log.Warn("projections checkpoint unreadable: replaying the log from the start", "path", path, "err", err)
		return New(), nil
	}
	// A load allocates the whole heap of the projections at once and
	// keeps nearly all of it: a collection during it only rescans what
	// stays alive (a fifth of a load's time at GOGC=100). So the
	// collector is off while it reads, with a memory limit as the guard
	// against a file that takes far more memory than checkpoints do.
	restore := func() {}
	if fi, err := f.Stat(); err == nil {
		restore = collectorOff(fi.Size())
	}
	p, err := ReadCheckpoint(bufio.NewReaderSize(f, 1<<20))
	restore()
	f.Close()
	if err != nil {
		log.Warn("projections checkpoint unusable: replaying the log from the start", "path", path, "err", err)
		return New(), nil
	}
	if err := p.checkTail(ctx, store); err != nil {
		return nil, fmt.Errorf("check projections checkpoint %s: %w", path, err)
	}
	log.Info(fmt.Sprintf("loaded checkpoint at position %d", p.pos), "path", path, "took", time.Since(start).Round(time.Millisecond))
	return p, nil
}

// Checkpointer writes checkpoints of projections while they are served.
type Checkpointer struct {
	p         *Projections
	path      string
	minEvents uint64
	log       *slog.Logger

	mu      sync.Mutex // one write at a time
	pos     domain.Position
	applied uint64
}

// NewCheckpointer returns a checkpointer of p to path that writes when at
// least minEvents events have been applied since the last checkpoint (or
// since p was loaded, whose position counts as written).
func NewCheckpointer(p *Projections, path string, minEvents uint64, log *slog.Logger) *Checkpointer {
	pos, applied := p.progress()
	return &Checkpointer{p: p, path: path, minEvents: minEvents, log: log, pos: pos, applied: applied}
}

// progress returns the position and the number of events applied since
// New or ReadCheckpoint.
func (p *Projections) progress() (domain.Position, uint64) {
	p.mu.RLock()
	defer p.mu.RUnlock()
	return p.pos, p.applied
}

// Run checks every interval whether minEvents have been applied since the
// last checkpoint and writes one if so, until ctx is done; it waits until
// the projections are ready (caught up). A failed write
// is logged and tried again at the next check.
func (c *Checkpointer) Run(ctx context.Context, interval time.Duration) {
	tick := time.NewTicker(interval)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		// Not during the catch-up of a start: it would slow it down, and
		// the first check after it writes the checkpoint.
		if !c.p.Ready() {
			continue
		}
		if _, applied := c.p.progress(); applied-c.lastApplied() >= c.minEvents {
			if err := c.Save(); err != nil {
				c.log.Error("projections checkpoint failed", "err", err)
			}
		}
	}
}

func (c *Checkpointer) lastApplied() uint64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.applied
}

// Save writes a checkpoint now, unless the projections have not moved
// since the last one (for the final checkpoint of a graceful shutdown).
func (c *Checkpointer) Save() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	pos, applied := c.p.progress()
	if pos == c.pos {
		return nil
	}
	start := time.Now()
	info, err := WriteCheckpointFile(c.p, c.path)
	if err != nil {
		return err
	}
	c.log.Info("wrote projections checkpoint", "position", uint64(info.Position), "path", c.path, "bytes", info.Bytes,
		"took", time.Since(start).Round(time.Millisecond), "read_lock_held", info.LockHeld.Round(time.Microsecond))
	c.pos, c.applied = info.Position, applied
	return nil
}
