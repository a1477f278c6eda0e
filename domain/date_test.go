package domain_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/welfare-ledger/welfare-ledger/domain"
)

func TestParseDate(t *testing.T) {
	tests := []struct {
		in   string
		want domain.Date // 0 when refused
	}{
		{"2024-02-29", 20240229},
		{"2000-02-29", 20000229},
		{"2023-12-31", 20231231},
		{"2024-01-01", 20240101},
		{"1900-01-01", domain.MinDate},
		{"9999-12-31", domain.MaxDate},

		{"2023-02-29", 0}, // not a leap year
		{"1900-02-29", 0}, // century, not a leap year
		{"2024-02-30", 0},
		{"2024-04-31", 0},
		{"2024-13-01", 0},
		{"2024-00-10", 0},
		{"2024-01-00", 0},
		{"2024-01-32", 0},
		{"2024-1-01", 0},
		{"2024-01-1", 0},
		{"24-01-01", 0},
		{"1899-12-31", 0}, // before MinDate
		{"0000-01-01", 0},
		{"0001-01-01", 0},
		{"10000-01-01", 0},
		{"2024/01/01", 0},
		{"2024.01.01", 0},
		{"20240101", 0},
		{"2024-01-01T00:00:00Z", 0},
		{"2024-01-01 ", 0},
		{" 2024-01-01", 0},
		{"+024-01-01", 0},
		{"-024-01-01", 0},
		{"2024-+1-01", 0},
		{"2024-0a-01", 0},
		{"２０２４-01-01", 0},
		{"", 0},
		{"01-01-2024", 0},
		{"2024-12-31\x00", 0},
	}
	for _, tt := range tests {
		got, err := domain.ParseDate(tt.in)
		if tt.want == 0 {
			if !errors.Is(err, domain.ErrDateSyntax) {
				t.Errorf("ParseDate(%q) = %v, %v; want ErrDateSyntax", tt.in, got, err)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("ParseDate(%q) = %v, %v; want %v", tt.in, int32(got), err, int32(tt.want))
		}
		if got.String() != tt.in {
			t.Errorf("ParseDate(%q).String() = %q, want %q", tt.in, got.String(), tt.in)
		}
	}
}

func TestNewDate(t *testing.T) {
	tests := []struct {
		y    int
		m    time.Month
		d    int
		want domain.Date
	}{
		{2024, time.February, 29, 20240229},
		{2023, time.February, 29, 0},
		{2024, 13, 1, 0},
		{2024, 0, 1, 0},
		{2024, time.January, 0, 0},
		{1899, time.December, 31, 0},
		{10000, time.January, 1, 0},
		{-1, time.January, 1, 0},
	}
	for _, tt := range tests {
		got, err := domain.NewDate(tt.y, tt.m, tt.d)
		if tt.want == 0 {
			if err == nil {
				t.Errorf("NewDate(%d, %d, %d) = %v, want an error", tt.y, tt.m, tt.d, got)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("NewDate(%d, %d, %d) = %v, %v; want %v", tt.y, tt.m, tt.d, got, err, tt.want)
		}
	}
}

func TestDateOfVietnamDayBoundary(t *testing.T) {
	hanoi := time.FixedZone("ICT", 7*3600)
	newYork := time.FixedZone("EST", -5*3600)
	tests := []struct {
		name string
		t    time.Time
		want string
	}{
		{"16:59:59Z is still the same day in Vietnam", time.Date(2024, 6, 30, 16, 59, 59, 999999999, time.UTC), "2024-06-30"},
		{"17:00:00Z is midnight in Vietnam", time.Date(2024, 6, 30, 17, 0, 0, 0, time.UTC), "2024-07-01"},
		{"new year's eve at 17:00Z", time.Date(2023, 12, 31, 17, 0, 0, 0, time.UTC), "2024-01-01"},
		{"leap day begins at 17:00Z the day before", time.Date(2024, 2, 28, 17, 0, 0, 0, time.UTC), "2024-02-29"},
		{"midnight UTC is 07:00 in Vietnam", time.Date(2024, 7, 1, 0, 0, 0, 0, time.UTC), "2024-07-01"},
		{"local midnight given in the Vietnam zone", time.Date(2024, 7, 1, 0, 0, 0, 0, hanoi), "2024-07-01"},
		{"one nanosecond before local midnight", time.Date(2024, 6, 30, 23, 59, 59, 999999999, hanoi), "2024-06-30"},
		{"a time given in another zone", time.Date(2024, 6, 30, 12, 30, 0, 0, newYork), "2024-07-01"}, // 17:30Z
		{"host zone does not matter", time.Date(2024, 6, 30, 17, 0, 0, 0, time.UTC).Local(), "2024-07-01"},
	}
	for _, tt := range tests {
		if got := domain.DateOf(tt.t).String(); got != tt.want {
			t.Errorf("%s: DateOf(%s) = %s, want %s", tt.name, tt.t.Format(time.RFC3339Nano), got, tt.want)
		}
	}
}

func TestDateAccessors(t *testing.T) {
	d := domain.MustDate("2024-07-01")
	if d.Year() != 2024 {
		t.Errorf("Year(%s) = %d, want 2024", d, d.Year())
	}
	if d.IsZero() {
		t.Errorf("IsZero(%s) = true, want false", d)
	}
	var z domain.Date
	if !z.IsZero() || z.String() != "" {
		t.Errorf("zero Date: IsZero = %v, String = %q; want true, \"\"", z.IsZero(), z.String())
	}
	// Dates order as integers.
	if !(domain.MustDate("2023-12-31") < domain.MustDate("2024-01-01")) {
		t.Errorf("2023-12-31 < 2024-01-01 = false, want true")
	}
}

func TestMustDatePanics(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Errorf("MustDate(\"2023-02-29\") did not panic")
		}
	}()
	domain.MustDate("2023-02-29")
}

func TestDateJSON(t *testing.T) {
	type doc struct {
		On domain.Date `json:"on"`
	}
	tests := []struct {
		name string
		d    domain.Date
		json string
	}{
		{"leap day", domain.MustDate("2024-02-29"), `{"on":"2024-02-29"}`},
		{"first date", domain.MinDate, `{"on":"1900-01-01"}`},
		{"last date", domain.MaxDate, `{"on":"9999-12-31"}`},
		{"zero is null", 0, `{"on":null}`},
	}
	for _, tt := range tests {
		b, err := json.Marshal(doc{tt.d})
		if err != nil || string(b) != tt.json {
			t.Errorf("%s: json.Marshal = %s, %v; want %s", tt.name, b, err, tt.json)
		}
		var back doc
		back.On = 20000101 // must be overwritten, also by null
		if err := json.Unmarshal([]byte(tt.json), &back); err != nil || back.On != tt.d {
			t.Errorf("%s: json.Unmarshal(%s) = %v, %v; want %v", tt.name, tt.json, back.On, err, tt.d)
		}
	}

	for _, bad := range []string{`"2023-02-29"`, `"2024-1-01"`, `20240101`, `"20240101"`, `""`, `true`, `{}`, `"2024-01-01T00:00:00Z"`, `"2024-01-01`} {
		var d domain.Date
		if err := d.UnmarshalJSON([]byte(bad)); err == nil {
			t.Errorf("UnmarshalJSON(%s) = %v, want an error", bad, d)
		}
	}
}

// String is the fmt rendering of the date's parts, zero-padded, for every
// date a ledger can hold and for odd values outside it.
func TestDateStringMatchesFmt(t *testing.T) {
	for _, d := range []domain.Date{domain.MinDate, domain.MaxDate, 20240229, 19991231, 10101, 99991231, 100000101, -20240101} {
		want := fmt.Sprintf("%04d-%02d-%02d", int(d)/10000, int(d)/100%100, int(d)%100)
		if got := d.String(); got != want {
			t.Errorf("Date(%d).String() = %q, want %q", int32(d), got, want)
		}
		if b, _ := d.MarshalJSON(); string(b) != `"`+want+`"` {
			t.Errorf("Date(%d).MarshalJSON() = %s, want %q", int32(d), b, want)
		}
	}
}

// AppendJSON appends what MarshalJSON's contract says: null for the zero
// Date, else the quoted fmt rendering of its parts, for every date a ledger
// can hold and odd values outside it, without allocating.
func TestDateAppendJSON(t *testing.T) {
	for _, d := range []domain.Date{0, domain.MinDate, domain.MaxDate, 20240229, 19991231, 10101, 100000101, -20240101} {
		want := "null"
		if d != 0 {
			want = fmt.Sprintf(`"%04d-%02d-%02d"`, int(d)/10000, int(d)/100%100, int(d)%100)
		}
		if got := string(d.AppendJSON([]byte("x:"))); got != "x:"+want {
			t.Errorf("Date(%d).AppendJSON(x:) = %s, want x:%s", int32(d), got, want)
		}
		if got, err := json.Marshal(d); err != nil || string(got) != want {
			t.Errorf("json.Marshal(Date(%d)) = %s, %v; want %s", int32(d), got, err, want)
		}
	}
	buf := make([]byte, 0, 64)
	for _, d := range []domain.Date{0, domain.MaxDate} {
		if got := testing.AllocsPerRun(100, func() { buf = d.AppendJSON(buf[:0]) }); got != 0 {
			t.Errorf("Date(%d).AppendJSON allocates %v times, want 0", int32(d), got)
		}
	}
}
