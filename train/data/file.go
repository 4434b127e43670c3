package data

import (
	"bufio"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
)

// source is an open data file, decompressed when it starts with the gzip
// magic bytes 1f 8b.
type source struct {
	io.Reader
	f    *os.File
	zr   *gzip.Reader
	size int64 // the file's size on disk; -1 when gzip-compressed
}

// openData opens path, transparently decompressing gzip.
func openData(path string) (*source, error) {
	f, err := os.Open(path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("%s: file does not exist", path)
		}
		return nil, err
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, err
	}
	if st.IsDir() {
		f.Close()
		return nil, fmt.Errorf("%s: is a directory, not a data file", path)
	}
	br := bufio.NewReaderSize(f, 1<<16)
	s := &source{Reader: br, f: f, size: st.Size()}
	if magic, _ := br.Peek(2); len(magic) == 2 && magic[0] == 0x1f && magic[1] == 0x8b {
		zr, err := gzip.NewReader(br)
		if err != nil {
			f.Close()
			return nil, fmt.Errorf("%s: bad gzip header: %v", path, err)
		}
		s.Reader, s.zr, s.size = bufio.NewReaderSize(zr, 1<<16), zr, -1
	}
	return s, nil
}

func (s *source) Close() error {
	if s.zr != nil {
		s.zr.Close()
	}
	return s.f.Close()
}

// readAtMost reads the rest of s, but no more than limit+1 bytes, so a
// corrupt header cannot make it allocate more than the data that is there.
func readAtMost(r io.Reader, limit int64) ([]byte, error) {
	return io.ReadAll(io.LimitReader(r, limit+1))
}
