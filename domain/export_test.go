package domain

// CachedFunds returns how many funds have a slot in the ledger's cache: a
// warm-up of a fund that does not exist must leave none behind.
func (l *Ledger) CachedFunds() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.funds)
}
