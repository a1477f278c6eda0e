package domain

// AmountsLen is the number of amounts an Amounts holds: one per movement
// category of API.md's totals (CatDonations … CatRepayments).
const AmountsLen = int(numCategories) - 1

// Amounts is a fixed array of AmountsLen amounts, summed together, with the
// same rule as VND (an int64 unless it overflows, then exact) kept for the
// whole array at once: n holds every amount while all of them fit in an
// int64, and big holds them all exactly otherwise (nil whenever they fit,
// so that each array has one representation). A projection keeps one per
// fund and date; at 48 bytes against 80 for [AmountsLen]VND (16 bytes an
// amount), a fund's day of sums fits two cache lines instead of three.
// The zero value is AmountsLen times 0 đồng.
type Amounts struct {
	n   [AmountsLen]int64
	big *[AmountsLen]VND
}

// amountsOf returns w as Amounts, in the int64 form when every amount
// fits.
func amountsOf(w *[AmountsLen]VND) Amounts {
	var a Amounts
	for i := range w {
		n, ok := w[i].Int64()
		if !ok {
			big := *w
			return Amounts{big: &big}
		}
		a.n[i] = n
	}
	return a
}

// all returns every amount of a as VND.
func (a *Amounts) all() [AmountsLen]VND {
	if a.big != nil {
		return *a.big
	}
	var w [AmountsLen]VND
	for i, n := range a.n {
		w[i] = VND{n: n}
	}
	return w
}

// At returns the i-th amount.
func (a Amounts) At(i int) VND {
	if a.big != nil {
		return a.big[i]
	}
	return VND{n: a.n[i]}
}

// Set sets the i-th amount to v.
func (a *Amounts) Set(i int, v VND) {
	if a.big == nil && v.big == nil {
		a.n[i] = v.n
		return
	}
	w := a.all()
	w[i] = v
	*a = amountsOf(&w)
}

// AddAt adds v to the i-th amount: the cost of recording one transaction
// in a running sum.
func (a *Amounts) AddAt(i int, v VND) {
	if a.big == nil && v.big == nil {
		if r, ok := addInt64(a.n[i], v.n); ok {
			a.n[i] = r
			return
		}
	}
	a.Set(i, a.At(i).Add(v))
}

// Add returns a + o, amount by amount.
func (a Amounts) Add(o Amounts) Amounts { return a.combine(o, false) }

// Sub returns a − o, amount by amount.
func (a Amounts) Sub(o Amounts) Amounts { return a.combine(o, true) }

// combine returns a + o, or a − o when sub, amount by amount: in int64
// while every result fits, exactly otherwise.
func (a Amounts) combine(o Amounts, sub bool) Amounts {
	if a.big == nil && o.big == nil {
		r, fits := a, true
		for i := range r.n {
			if sub {
				r.n[i], fits = subInt64(a.n[i], o.n[i])
			} else {
				r.n[i], fits = addInt64(a.n[i], o.n[i])
			}
			if !fits {
				break
			}
		}
		if fits {
			return r
		}
	}
	w, x := a.all(), o.all()
	for i := range w {
		if sub {
			w[i] = w[i].Sub(x[i])
		} else {
			w[i] = w[i].Add(x[i])
		}
	}
	return amountsOf(&w)
}

// Net returns the sum of the amounts in marks less the sum of the others:
// with in marking the categories of money in, a balance. It adds in int64
// while every partial sum fits, as VND does, and exactly otherwise.
func (a *Amounts) Net(in *[AmountsLen]bool) VND {
	if a.big == nil {
		var r int64
		fits := true
		for i, n := range a.n {
			if in[i] {
				r, fits = addInt64(r, n)
			} else {
				r, fits = subInt64(r, n)
			}
			if !fits {
				break
			}
		}
		if fits {
			return VND{n: r}
		}
	}
	var r VND
	for i := range AmountsLen {
		if in[i] {
			r = r.Add(a.At(i))
		} else {
			r = r.Sub(a.At(i))
		}
	}
	return r
}
