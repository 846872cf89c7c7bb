package scanner

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"sync"

	"github.com/upgrade-lint/upgrade-lint/scanner/inventory"
)

// maxFileSize bounds one manifest file; larger ones are reported, not read.
const maxFileSize = 256 << 20

// fileJob is one file to read: where it is and how findings name it.
type fileJob struct {
	disk, display string
	data          []byte // set for stdin
}

type fileResult struct {
	objects []*inventory.Object
	errors  []inventory.InputError
}

// manifestJobs lists the files of one input: a file as given, or a directory's
// *.yaml|*.yml|*.json at any depth (.git and the like skipped), in lexical
// order. display joins the input as the user wrote it with the path inside it.
func manifestJobs(input, display string) ([]fileJob, error) {
	info, err := os.Stat(input)
	if err != nil {
		return nil, err
	}
	if !info.IsDir() {
		return []fileJob{{disk: input, display: filepath.ToSlash(display)}}, nil
	}
	var jobs []fileJob
	err = filepath.WalkDir(input, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return nil // unreadable subdirectory: reported below when a file in it fails
		}
		if d.IsDir() {
			// Version-control metadata holds no manifests; other hidden directories
			// (.github, .helm) may.
			if p != input && (d.Name() == ".git" || d.Name() == ".hg" || d.Name() == ".svn") {
				return filepath.SkipDir
			}
			return nil
		}
		if !isManifestName(d.Name()) {
			return nil
		}
		rel, _ := filepath.Rel(input, p)
		jobs = append(jobs, fileJob{disk: p, display: filepath.ToSlash(filepath.Join(display, rel))})
		return nil
	})
	return jobs, err
}

// readManifests reads and decodes jobs on GOMAXPROCS workers and returns the results in
// job order, so the inventory does not depend on scheduling.
func readManifests(ctx context.Context, jobs []fileJob, origin inventory.Origin) []fileResult {
	results := make([]fileResult, len(jobs))
	workers := min(runtime.GOMAXPROCS(0), len(jobs))
	var (
		wg   sync.WaitGroup
		next int
		mu   sync.Mutex
	)
	take := func() int {
		mu.Lock()
		defer mu.Unlock()
		if ctx.Err() != nil || next >= len(jobs) {
			return -1
		}
		next++
		return next - 1
	}
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var buf []byte // reused: no object keeps a reference into a file's bytes
			for i := take(); i >= 0; i = take() {
				results[i] = readManifest(jobs[i], origin, &buf)
			}
		}()
	}
	wg.Wait()
	return results
}

func readManifest(job fileJob, origin inventory.Origin, buf *[]byte) fileResult {
	data := job.data
	if data == nil {
		var err error
		data, err = readFileInto(job.disk, buf)
		if err != nil {
			return fileResult{errors: []inventory.InputError{{Source: inventory.Source{Path: job.display}, Message: err.Error()}}}
		}
	}
	objs, errs := parseManifest(data, job.display, origin, origin == inventory.FromManifest)
	return fileResult{objects: objs, errors: errs}
}

// readFileInto reads the file at path into *buf, growing it as needed, and returns the
// bytes read. The caller must not keep them past the next call with the same buf.
func readFileInto(path string, buf *[]byte) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	size := 0
	if fi, err := f.Stat(); err == nil {
		if fi.Size() > maxFileSize {
			return nil, errors.New("file larger than 256 MiB, not read")
		}
		size = int(fi.Size())
	}
	// One byte more than the size, so that reaching EOF needs no growth.
	if cap(*buf) < size+1 {
		*buf = make([]byte, 0, size+1)
	}
	b := (*buf)[:0]
	for {
		n, err := f.Read(b[len(b):cap(b)])
		b = b[:len(b)+n]
		if len(b) > maxFileSize {
			return nil, errors.New("file larger than 256 MiB, not read")
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
		if len(b) == cap(b) {
			b = append(b, 0)[:len(b)] // the file grew, or its size was unknown
		}
	}
	*buf = b
	return b, nil
}

// parseManifest decodes every document of a file into objects. A document that does not
// decode becomes an InputError at its line; the others are still read. With fast (-f
// manifests), documents whose body no rule reads are read by scanHeader alone.
func parseManifest(data []byte, display string, origin inventory.Origin, fast bool) ([]*inventory.Object, []inventory.InputError) {
	var (
		objs []*inventory.Object
		errs []inventory.InputError
	)
	for _, doc := range splitDocuments(data) {
		if fast {
			if h, ok := scanHeader(doc); ok {
				if o := h.object(origin, display); o != nil {
					objs = append(objs, o)
				}
				continue
			}
		}
		o, err := decodeDocument(doc, display, origin)
		if err != nil {
			errs = append(errs, *err)
			continue
		}
		objs = append(objs, o...)
	}
	return objs, errs
}

// decodeDocument is the full parse of one document: its objects (none when it is not
// an API object), or the error that kept it from decoding.
func decodeDocument(doc document, display string, origin inventory.Origin) ([]*inventory.Object, *inventory.InputError) {
	node, err := parseDocument(doc)
	if err != nil {
		// JSON that YAML rejects (tabs for indentation, say) is still JSON.
		if body, ok := decodeJSON(doc.Text); ok {
			return objectsFromDocument(nil, body, origin, display, doc.Line), nil
		}
		return nil, &inventory.InputError{Source: inventory.Source{Path: display, Line: lineOfError(err)}, Message: errorMessage(err)}
	}
	if node == nil {
		return nil, nil
	}
	body, ok := toValue(node).(map[string]any)
	if !ok {
		return nil, nil // not an object: values files, lists of strings
	}
	return objectsFromDocument(node, body, origin, display, doc.Line), nil
}

func errorMessage(err error) string {
	if ye, ok := err.(*yamlError); ok {
		return "invalid YAML: " + ye.Msg
	}
	return err.Error()
}

// decodeJSON decodes a JSON object the way YAML would (numbers as int or float64).
func decodeJSON(text []byte) (map[string]any, bool) {
	t := bytes.TrimSpace(text)
	if len(t) == 0 || t[0] != '{' {
		return nil, false
	}
	dec := json.NewDecoder(bytes.NewReader(t))
	dec.UseNumber()
	var v map[string]any
	if err := dec.Decode(&v); err != nil {
		return nil, false
	}
	return fixNumbers(v).(map[string]any), true
}

func fixNumbers(v any) any {
	switch t := v.(type) {
	case map[string]any:
		for k, e := range t {
			t[k] = fixNumbers(e)
		}
	case []any:
		for i, e := range t {
			t[i] = fixNumbers(e)
		}
	case json.Number:
		if i, err := t.Int64(); err == nil {
			return int(i)
		}
		f, _ := t.Float64()
		return f
	}
	return v
}
