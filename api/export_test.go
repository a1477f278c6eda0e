package api

// SetMaxXLSXRows lowers the spreadsheet row limit for a test and returns
// the function that restores it.
func SetMaxXLSXRows(n int) (restore func()) {
	old := maxXLSXRows
	maxXLSXRows = n
	return func() { maxXLSXRows = old }
}
