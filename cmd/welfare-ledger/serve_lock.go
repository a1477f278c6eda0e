//go:build unix

package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"syscall"
)

// serveLockFile is the file in the data directory that a running serve
// holds an exclusive lock on.
const serveLockFile = "serve.lock"

// errDataDirInUse: another serve runs on the data directory.
var errDataDirInUse = errors.New("another welfare-ledger serve is running on this data directory")

// lockDataDir takes the data directory for this serve alone, and returns
// what lets it go. The embedded store is written by one process: its
// ledger orders writes against closes of fiscal years in memory (the
// period fence) and does not check its appends after they land as it
// does on a store shared between instances (domain.SharedStore), so a
// second serve on the same ledger.db could record a write in a year the
// first has just closed. On KurrentDB the directory holds the instance's
// checkpoint, which two instances must not share either. The lock is
// flock(2): the kernel drops it when the process dies, even by kill -9,
// so a crash never leaves the directory locked. The offline commands
// (verify, export, replay, token) only read the ledger or append tokens,
// and do not take it.
//
// Errors: errDataDirInUse, or the file system's.
func lockDataDir(dataDir string) (unlock func(), err error) {
	path := filepath.Join(dataDir, serveLockFile)
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o640)
	if err != nil {
		return nil, fmt.Errorf("the data directory %s cannot be written (make it writable and start again): %w", dataDir, err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, fmt.Errorf("%s (%s is locked; stop it first, or give this one its own --data): %w", dataDir, path, errDataDirInUse)
		}
		return nil, fmt.Errorf("lock %s: %w", path, err)
	}
	return func() { f.Close() }, nil
}
