package prefectsecrets

// Python-value JSON for the tests: a parser that reads what Python's json.loads reads
// (NaN, Infinity, -Infinity, integers of any size, lone surrogates), the comparisons
// run.py uses (same: Python types kept apart; pyEq: Python's ==), and json.dumps as
// Python writes it by default (for the loopback server's replies).
//
// Values: nil (None), bool, pyInt (decimal text), float64, string (UTF-8, lone
// surrogates in their 3-byte form), []interface{}, *pyObj.

import (
	"errors"
	"fmt"
	"math"
	"math/big"
	"strconv"
	"strings"
	"unicode/utf8"
)

// pyInt is a Python int as canonical decimal text ("-0" is "0").
type pyInt string

// pyObj is a JSON object with its keys in order (a repeated key keeps its first place
// and takes the last value, as in a Python dict).
type pyObj struct {
	keys []string
	vals map[string]interface{}
}

func newObj() *pyObj { return &pyObj{vals: map[string]interface{}{}} }

func (o *pyObj) set(k string, v interface{}) {
	if _, ok := o.vals[k]; !ok {
		o.keys = append(o.keys, k)
	}
	o.vals[k] = v
}

func (o *pyObj) get(k string) (interface{}, bool) {
	v, ok := o.vals[k]
	return v, ok
}

// parsePyJSON is Python's json.loads (strict mode).
func parsePyJSON(s string) (interface{}, error) {
	p := &jsonParser{s: s}
	p.ws()
	v, err := p.value(0)
	if err != nil {
		return nil, err
	}
	p.ws()
	if p.i != len(p.s) {
		return nil, fmt.Errorf("extra data at offset %d", p.i)
	}
	return v, nil
}

type jsonParser struct {
	s string
	i int
}

func (p *jsonParser) ws() {
	for p.i < len(p.s) && strings.IndexByte(" \t\n\r", p.s[p.i]) >= 0 {
		p.i++
	}
}

func (p *jsonParser) errf(format string, args ...interface{}) error {
	return fmt.Errorf("offset %d: %s", p.i, fmt.Sprintf(format, args...))
}

func (p *jsonParser) lit(word string) bool {
	if strings.HasPrefix(p.s[p.i:], word) {
		p.i += len(word)
		return true
	}
	return false
}

func (p *jsonParser) value(depth int) (interface{}, error) {
	if depth > 5000 {
		return nil, p.errf("too deep")
	}
	if p.i >= len(p.s) {
		return nil, p.errf("expecting value")
	}
	switch c := p.s[p.i]; {
	case c == '"':
		return p.str()
	case c == '{':
		return p.object(depth)
	case c == '[':
		return p.array(depth)
	case p.lit("null"):
		return nil, nil
	case p.lit("true"):
		return true, nil
	case p.lit("false"):
		return false, nil
	case c == '-' || c >= '0' && c <= '9':
		if v, ok, err := p.number(); ok || err != nil {
			return v, err
		}
		if p.lit("-Infinity") {
			return math.Inf(-1), nil
		}
	case p.lit("NaN"):
		return math.NaN(), nil
	case p.lit("Infinity"):
		return math.Inf(1), nil
	}
	return nil, p.errf("expecting value")
}

func digits(s string, i int) int {
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		i++
	}
	return i
}

// number matches Python's NUMBER_RE: (-?(?:0|[1-9]\d*))(\.\d+)?([eE][-+]?\d+)?
func (p *jsonParser) number() (interface{}, bool, error) {
	s, start := p.s, p.i
	i := start
	if s[i] == '-' {
		i++
	}
	switch {
	case i < len(s) && s[i] == '0':
		i++
	case i < len(s) && s[i] >= '1' && s[i] <= '9':
		i = digits(s, i)
	default:
		return nil, false, nil
	}
	intEnd, isFloat := i, false
	if i+1 < len(s) && s[i] == '.' && s[i+1] >= '0' && s[i+1] <= '9' {
		i = digits(s, i+1)
		isFloat = true
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		j := i + 1
		if j < len(s) && (s[j] == '+' || s[j] == '-') {
			j++
		}
		if k := digits(s, j); k > j {
			i, isFloat = k, true
		}
	}
	p.i = i
	if !isFloat {
		return canonInt(s[start:intEnd]), true, nil
	}
	f, err := strconv.ParseFloat(s[start:i], 64)
	if err != nil && !errors.Is(err, strconv.ErrRange) {
		return nil, true, err
	}
	return f, true, nil
}

func canonInt(t string) pyInt {
	if strings.TrimLeft(t, "-0") == "" {
		return "0"
	}
	return pyInt(t)
}

func (p *jsonParser) hex4(at int) (rune, bool) {
	if at+4 > len(p.s) {
		return 0, false
	}
	n, err := strconv.ParseUint(p.s[at:at+4], 16, 32)
	return rune(n), err == nil
}

func (p *jsonParser) str() (string, error) {
	p.i++ // the opening quote
	var b strings.Builder
	for {
		if p.i >= len(p.s) {
			return "", p.errf("unterminated string")
		}
		c := p.s[p.i]
		switch {
		case c == '"':
			p.i++
			return b.String(), nil
		case c < 0x20:
			return "", p.errf("invalid control character")
		case c != '\\':
			b.WriteByte(c)
			p.i++
			continue
		}
		if p.i+1 >= len(p.s) {
			return "", p.errf("unterminated escape")
		}
		e := p.s[p.i+1]
		p.i += 2
		if k := strings.IndexByte(`"\/bfnrt`, e); k >= 0 {
			b.WriteByte("\"\\/\b\f\n\r\t"[k])
			continue
		}
		if e != 'u' {
			return "", p.errf("invalid escape")
		}
		r, ok := p.hex4(p.i)
		if !ok {
			return "", p.errf("invalid \\uXXXX escape")
		}
		p.i += 4
		if r >= 0xD800 && r <= 0xDBFF && strings.HasPrefix(p.s[p.i:], `\u`) {
			if lo, ok := p.hex4(p.i + 2); ok && lo >= 0xDC00 && lo <= 0xDFFF {
				p.i += 6
				r = 0x10000 + (r-0xD800)<<10 + (lo - 0xDC00)
			}
		}
		writeWTF8(&b, r)
	}
}

// writeWTF8 writes r as UTF-8, a lone surrogate in its 3-byte form (Python's
// "surrogatepass").
func writeWTF8(b *strings.Builder, r rune) {
	if r >= 0xD800 && r <= 0xDFFF {
		b.WriteByte(byte(0xE0 | r>>12))
		b.WriteByte(byte(0x80 | (r>>6)&0x3F))
		b.WriteByte(byte(0x80 | r&0x3F))
		return
	}
	b.WriteRune(r)
}

// decodeWTF8 is utf8.DecodeRuneInString that also decodes 3-byte surrogates.
func decodeWTF8(s string) (rune, int) {
	if len(s) >= 3 && s[0] == 0xED && s[1] >= 0xA0 && s[1] <= 0xBF && s[2]&0xC0 == 0x80 {
		return rune(0xD000) | rune(s[1]&0x3F)<<6 | rune(s[2]&0x3F), 3
	}
	return utf8.DecodeRuneInString(s)
}

func hasSurrogate(s string) bool {
	for i := 0; i < len(s); {
		r, n := decodeWTF8(s[i:])
		if r >= 0xD800 && r <= 0xDFFF {
			return true
		}
		i += n
	}
	return false
}

func (p *jsonParser) object(depth int) (interface{}, error) {
	p.i++
	o := newObj()
	p.ws()
	if p.lit("}") {
		return o, nil
	}
	for {
		p.ws()
		if p.i >= len(p.s) || p.s[p.i] != '"' {
			return nil, p.errf("expecting property name")
		}
		k, err := p.str()
		if err != nil {
			return nil, err
		}
		p.ws()
		if !p.lit(":") {
			return nil, p.errf("expecting ':'")
		}
		p.ws()
		v, err := p.value(depth + 1)
		if err != nil {
			return nil, err
		}
		o.set(k, v)
		p.ws()
		if p.lit("}") {
			return o, nil
		}
		if !p.lit(",") {
			return nil, p.errf("expecting ',' or '}'")
		}
	}
}

func (p *jsonParser) array(depth int) (interface{}, error) {
	p.i++
	a := []interface{}{}
	p.ws()
	if p.lit("]") {
		return a, nil
	}
	for {
		p.ws()
		v, err := p.value(depth + 1)
		if err != nil {
			return nil, err
		}
		a = append(a, v)
		p.ws()
		if p.lit("]") {
			return a, nil
		}
		if !p.lit(",") {
			return nil, p.errf("expecting ',' or ']'")
		}
	}
}

// same is run.py's same(): equality that keeps Python's distinctions (bool, int and
// float differ; NaN equals NaN; -0.0 is not 0.0; object key order is ignored).
func same(a, b interface{}) bool {
	switch x := a.(type) {
	case nil:
		return b == nil
	case bool:
		y, ok := b.(bool)
		return ok && x == y
	case pyInt:
		y, ok := b.(pyInt)
		return ok && x == y
	case float64:
		y, ok := b.(float64)
		if !ok {
			return false
		}
		if math.IsNaN(x) || math.IsNaN(y) {
			return math.IsNaN(x) && math.IsNaN(y)
		}
		return x == y && math.Signbit(x) == math.Signbit(y)
	case string:
		y, ok := b.(string)
		return ok && x == y
	case []interface{}:
		y, ok := b.([]interface{})
		if !ok || len(x) != len(y) {
			return false
		}
		for i := range x {
			if !same(x[i], y[i]) {
				return false
			}
		}
		return true
	case *pyObj:
		y, ok := b.(*pyObj)
		if !ok || len(x.keys) != len(y.keys) {
			return false
		}
		for _, k := range x.keys {
			w, ok := y.vals[k]
			if !ok || !same(x.vals[k], w) {
				return false
			}
		}
		return true
	}
	return false
}

// pyEq is Python's ==: numbers compare by value across bool, int and float.
func pyEq(a, b interface{}) bool {
	if ra, ok := pyNumber(a); ok {
		rb, ok := pyNumber(b)
		if !ok {
			return false
		}
		if fa, ok := a.(float64); ok && (math.IsNaN(fa) || math.IsInf(fa, 0)) {
			fb, ok := b.(float64)
			return ok && fa == fb
		}
		if fb, ok := b.(float64); ok && (math.IsNaN(fb) || math.IsInf(fb, 0)) {
			return false
		}
		return ra.Cmp(rb) == 0
	}
	switch x := a.(type) {
	case nil:
		return b == nil
	case string:
		y, ok := b.(string)
		return ok && x == y
	case []interface{}:
		y, ok := b.([]interface{})
		if !ok || len(x) != len(y) {
			return false
		}
		for i := range x {
			if !pyEq(x[i], y[i]) {
				return false
			}
		}
		return true
	case *pyObj:
		y, ok := b.(*pyObj)
		if !ok || len(x.keys) != len(y.keys) {
			return false
		}
		for _, k := range x.keys {
			w, ok := y.vals[k]
			if !ok || !pyEq(x.vals[k], w) {
				return false
			}
		}
		return true
	}
	return false
}

func pyNumber(v interface{}) (*big.Rat, bool) {
	switch x := v.(type) {
	case bool:
		if x {
			return big.NewRat(1, 1), true
		}
		return new(big.Rat), true
	case pyInt:
		r, ok := new(big.Rat).SetString(string(x))
		return r, ok
	case float64:
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return new(big.Rat), true
		}
		return new(big.Rat).SetFloat64(x), true
	}
	return nil, false
}

// pyDumps is Python's json.dumps(v) with its defaults (ensure_ascii, ", " and ": ").
func pyDumps(v interface{}) string {
	var b strings.Builder
	dump(&b, v)
	return b.String()
}

func dump(b *strings.Builder, v interface{}) {
	switch x := v.(type) {
	case nil:
		b.WriteString("null")
	case bool:
		b.WriteString(strconv.FormatBool(x))
	case pyInt:
		b.WriteString(string(x))
	case float64:
		b.WriteString(pyFloatRepr(x))
	case string:
		dumpString(b, x)
	case []interface{}:
		b.WriteByte('[')
		for i, e := range x {
			if i > 0 {
				b.WriteString(", ")
			}
			dump(b, e)
		}
		b.WriteByte(']')
	case *pyObj:
		b.WriteByte('{')
		for i, k := range x.keys {
			if i > 0 {
				b.WriteString(", ")
			}
			dumpString(b, k)
			b.WriteString(": ")
			dump(b, x.vals[k])
		}
		b.WriteByte('}')
	default:
		panic(fmt.Sprintf("pyDumps: %T", v))
	}
}

func dumpString(b *strings.Builder, s string) {
	b.WriteByte('"')
	for i := 0; i < len(s); {
		r, n := decodeWTF8(s[i:])
		i += n
		switch {
		case r == '"':
			b.WriteString(`\"`)
		case r == '\\':
			b.WriteString(`\\`)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\r':
			b.WriteString(`\r`)
		case r == '\t':
			b.WriteString(`\t`)
		case r == '\b':
			b.WriteString(`\b`)
		case r == '\f':
			b.WriteString(`\f`)
		case r >= 0x20 && r <= 0x7E:
			b.WriteRune(r)
		case r >= 0x10000:
			r -= 0x10000
			fmt.Fprintf(b, `\u%04x\u%04x`, 0xD800+(r>>10), 0xDC00+(r&0x3FF))
		default:
			fmt.Fprintf(b, `\u%04x`, r)
		}
	}
	b.WriteByte('"')
}

// pyFloatRepr is Python's repr(float), as json.dumps writes floats.
func pyFloatRepr(f float64) string {
	switch {
	case math.IsNaN(f):
		return "NaN"
	case math.IsInf(f, 1):
		return "Infinity"
	case math.IsInf(f, -1):
		return "-Infinity"
	case f == 0:
		if math.Signbit(f) {
			return "-0.0"
		}
		return "0.0"
	}
	sign := ""
	if f < 0 {
		sign, f = "-", -f
	}
	e := strconv.FormatFloat(f, 'e', -1, 64) // d[.ddd]e±XX
	mant, exp := e[:strings.IndexByte(e, 'e')], e[strings.IndexByte(e, 'e')+1:]
	x, _ := strconv.Atoi(exp)
	ds := strings.Replace(mant, ".", "", 1)
	decpt := x + 1
	if decpt <= -4 || decpt > 16 {
		es := strconv.Itoa(x)
		if x < 0 {
			es = es[1:]
		}
		if len(es) < 2 {
			es = "0" + es
		}
		s := "+"
		if x < 0 {
			s = "-"
		}
		return sign + mant + "e" + s + es
	}
	switch {
	case decpt <= 0:
		return sign + "0." + strings.Repeat("0", -decpt) + ds
	case decpt >= len(ds):
		return sign + ds + strings.Repeat("0", decpt-len(ds)) + ".0"
	default:
		return sign + ds[:decpt] + "." + ds[decpt:]
	}
}
