package knowledge

import (
	"fmt"
	"strconv"
	"strings"
)

// Minor is a Kubernetes minor release such as 1.19. Its zero value is not a
// valid release; use a *Minor where a fact may be absent (it encodes as null).
type Minor struct {
	Major int
	Minor int
}

// V is shorthand for Minor{1, minor}.
func V(minor int) Minor { return Minor{Major: 1, Minor: minor} }

// ParseMinor accepts "1.14", "v1.14", "1.14.5" and "v1.14.5-rc.1"; the patch is dropped.
func ParseMinor(s string) (Minor, error) {
	m, _, err := ParseVersion(s)
	return m, err
}

// ParseVersion splits a version into its minor and its patch (-1 when absent).
func ParseVersion(s string) (Minor, int, error) {
	orig := s
	s = strings.TrimPrefix(strings.TrimSpace(s), "v")
	if i := strings.IndexAny(s, "-+"); i >= 0 {
		s = s[:i]
	}
	parts := strings.Split(s, ".")
	if len(parts) < 2 || len(parts) > 3 {
		return Minor{}, 0, fmt.Errorf("version %q: want MAJOR.MINOR or MAJOR.MINOR.PATCH", orig)
	}
	nums := make([]int, len(parts))
	for i, p := range parts {
		n, err := strconv.Atoi(p)
		if err != nil || n < 0 {
			return Minor{}, 0, fmt.Errorf("version %q: %q is not a number", orig, p)
		}
		nums[i] = n
	}
	patch := -1
	if len(nums) == 3 {
		patch = nums[2]
	}
	return Minor{Major: nums[0], Minor: nums[1]}, patch, nil
}

// MustMinor is ParseMinor for constants in code and tests.
func MustMinor(s string) Minor {
	m, err := ParseMinor(s)
	if err != nil {
		panic(err)
	}
	return m
}

func (m Minor) String() string { return fmt.Sprintf("%d.%d", m.Major, m.Minor) }

// Compare returns -1, 0 or +1.
func (m Minor) Compare(o Minor) int {
	switch {
	case m.Major != o.Major:
		if m.Major < o.Major {
			return -1
		}
		return 1
	case m.Minor < o.Minor:
		return -1
	case m.Minor > o.Minor:
		return 1
	}
	return 0
}

func (m Minor) Less(o Minor) bool    { return m.Compare(o) < 0 }
func (m Minor) AtLeast(o Minor) bool { return m.Compare(o) >= 0 }
func (m Minor) Next() Minor          { return Minor{m.Major, m.Minor + 1} }
func (m Minor) Prev() Minor          { return Minor{m.Major, m.Minor - 1} }
func (m Minor) IsZero() bool         { return m == Minor{} }
func (m Minor) Add(n int) Minor      { return Minor{m.Major, m.Minor + n} }
func (m Minor) Sub(o Minor) int      { return m.Minor - o.Minor } // same major assumed: Kubernetes 1.x
func (m Minor) Ptr() *Minor          { return &m }

// MarshalText encodes "1.19", so JSON and YAML carry versions as strings.
func (m Minor) MarshalText() ([]byte, error) { return []byte(m.String()), nil }

func (m *Minor) UnmarshalText(b []byte) error {
	v, err := ParseMinor(string(b))
	if err != nil {
		return err
	}
	*m = v
	return nil
}

// In reports whether m lies in [from, until): until nil means "still there".
func (m Minor) In(from Minor, until *Minor) bool {
	return m.AtLeast(from) && (until == nil || m.Less(*until))
}

// Before reports whether m is set and earlier than or equal to v: "removed by v".
func Before(m *Minor, v Minor) bool { return m != nil && !v.Less(*m) }
