package domain

import (
	"errors"
	"fmt"
	"time"
)

// Date is a business date in the calendar of Asia/Ho_Chi_Minh, stored as the
// integer yyyymmdd (20231231), so dates order as integers and read plainly in
// a debugger. The zero Date means "no date".
type Date int32

// VietnamZone is Asia/Ho_Chi_Minh: UTC+7 all year, no daylight saving. A fixed
// zone keeps the program independent of the host's tz database.
var VietnamZone = time.FixedZone("ICT", 7*60*60)

// ErrDateSyntax is returned for text that is not a real YYYY-MM-DD date.
var ErrDateSyntax = errors.New("must be a date written YYYY-MM-DD")

// Earliest and latest dates the ledger accepts at all; they bound the years
// so that no date arithmetic can overflow.
const (
	MinDate Date = 19000101
	MaxDate Date = 99991231
)

// DateOf returns the business date of t in Vietnam.
func DateOf(t time.Time) Date {
	y, m, d := t.In(VietnamZone).Date()
	return Date(y*10000 + int(m)*100 + d)
}

// NewDate returns the Date y-m-d or an error if it is not a real date within
// MinDate..MaxDate.
func NewDate(y int, m time.Month, d int) (Date, error) {
	t := time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
	if ty, tm, td := t.Date(); ty != y || tm != m || td != d {
		return 0, ErrDateSyntax
	}
	v := Date(y*10000 + int(m)*100 + d)
	if v < MinDate || v > MaxDate {
		return 0, ErrDateSyntax
	}
	return v, nil
}

// ParseDate parses YYYY-MM-DD strictly (exactly ten characters, a real date).
func ParseDate(s string) (Date, error) {
	if len(s) != 10 || s[4] != '-' || s[7] != '-' {
		return 0, ErrDateSyntax
	}
	y, ok1 := atoiDigits(s[0:4])
	m, ok2 := atoiDigits(s[5:7])
	d, ok3 := atoiDigits(s[8:10])
	if !ok1 || !ok2 || !ok3 {
		return 0, ErrDateSyntax
	}
	return NewDate(y, time.Month(m), d)
}

// MustDate is ParseDate for literals in tests; it panics on a bad literal.
func MustDate(s string) Date {
	d, err := ParseDate(s)
	if err != nil {
		panic(err)
	}
	return d
}

func atoiDigits(s string) (int, bool) {
	n := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, true
}

// IsZero reports whether d is unset.
func (d Date) IsZero() bool { return d == 0 }

// Year returns the calendar year of d.
func (d Date) Year() int { return int(d) / 10000 }

// String returns YYYY-MM-DD, or "" for the zero Date.
func (d Date) String() string {
	if d == 0 {
		return ""
	}
	var b [10]byte
	return string(d.appendTo(b[:0]))
}

// appendTo appends "YYYY-MM-DD" to b. Every response carries a few dates,
// so this stays off fmt.
func (d Date) appendTo(b []byte) []byte {
	y, m, day := int(d)/10000, int(d)/100%100, int(d)%100
	if y < 0 || y > 9999 || m < 0 || day < 0 {
		return fmt.Appendf(b, "%04d-%02d-%02d", y, m, day)
	}
	return append(b, byte('0'+y/1000), byte('0'+y/100%10), byte('0'+y/10%10), byte('0'+y%10), '-',
		byte('0'+m/10), byte('0'+m%10), '-', byte('0'+day/10), byte('0'+day%10))
}

// MarshalJSON writes "YYYY-MM-DD", or null for the zero Date.
func (d Date) MarshalJSON() ([]byte, error) {
	return d.AppendJSON(make([]byte, 0, 12)), nil
}

// AppendJSON appends to b what MarshalJSON writes, without allocating: it is
// for encoders of hot responses.
func (d Date) AppendJSON(b []byte) []byte {
	if d == 0 {
		return append(b, "null"...)
	}
	b = append(b, '"')
	b = d.appendTo(b)
	return append(b, '"')
}

// UnmarshalJSON reads "YYYY-MM-DD" or null.
func (d *Date) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		*d = 0
		return nil
	}
	var s string
	if err := jsonUnmarshalString(b, &s); err != nil {
		return ErrDateSyntax
	}
	p, err := ParseDate(s)
	if err != nil {
		return err
	}
	*d = p
	return nil
}
