package web

import (
	"fmt"

	"github.com/welfare-ledger/welfare-ledger/domain"
)

// Lang is a language the pages are written in.
type Lang string

// The pages' languages: Vietnamese, the officials' own and the default,
// and English.
const (
	Vietnamese Lang = "vi"
	English    Lang = "en"
)

// langs lists every language, the default first.
var langs = []Lang{Vietnamese, English}

// parseLang reads the lang query parameter: absent is Vietnamese.
func parseLang(s string, given bool) (Lang, bool) {
	if !given {
		return Vietnamese, true
	}
	for _, l := range langs {
		if string(l) == s {
			return l, true
		}
	}
	return Vietnamese, false
}

// text is one entry of the catalogue, in every language.
type text struct{ vi, en string }

// in returns the entry in l.
func (t text) in(l Lang) string {
	if l == English {
		return t.en
	}
	return t.vi
}

// catalogue holds every word the pages show, in both languages, in one
// place (TestCatalogueComplete fails on an entry missing in one of them;
// a template naming a key that is not here fails to render). Amounts and
// counts are not words: domain writes them the Vietnamese way in both
// languages, as the currency's own writing.
var catalogue = map[string]text{
	// The frame of every page.
	"site":          {"Sổ quỹ phúc lợi Công đoàn", "Trade union welfare ledger"},
	"skip":          {"Bỏ qua, đến nội dung chính", "Skip to the main content"},
	"nav":           {"Điều hướng chính", "Main navigation"},
	"nav.home":      {"Tổng quan", "Overview"},
	"lang.switch":   {"English", "Tiếng Việt"},
	"logout":        {"Đăng xuất", "Sign out"},
	"footer":        {"Số liệu tính từ sổ cái sự kiện, chính xác đến từng đồng. Trang này không hiển thị dữ liệu cá nhân của người được hỗ trợ.", "Figures are computed from the event ledger, exact to the đồng. This page shows no personal data of the people helped."},
	"synthetic":     {"Dữ liệu mô phỏng: mọi con số trên trang này là số liệu giả lập để trình diễn, không phải số liệu thật của tổ chức Công đoàn nào.", "Synthetic data: every figure on this page is made up for a demonstration, not the real figures of any trade union."},
	"position":      {"Vị trí sổ cái", "Ledger position"},
	"breadcrumb":    {"Vị trí trong hệ thống Công đoàn", "Place in the union hierarchy"},
	"signed.in.as":  {"Đăng nhập với vai trò", "Signed in as"},
	"scope.all":     {"toàn hệ thống", "the whole ledger"},
	"scope":         {"Phạm vi", "Scope"},
	"role.admin":    {"quản trị", "administrator"},
	"role.manager":  {"kế toán quỹ", "fund manager"},
	"role.auditor":  {"kiểm tra", "auditor"},
	"role.official": {"cán bộ lãnh đạo", "official"},

	// Sign in.
	"login.title":  {"Đăng nhập", "Sign in"},
	"login.intro":  {"Nhập mã truy cập (token) do quản trị viên cấp cho bạn. Mã chỉ dùng để xem các trang này.", "Enter the access token your administrator gave you. It is used only to view these pages."},
	"login.token":  {"Mã truy cập", "Access token"},
	"login.submit": {"Đăng nhập", "Sign in"},

	// The dashboard.
	"home.title":           {"Tổng quan các quỹ", "Overview of the funds"},
	"home.units":           {"Các đơn vị", "Units"},
	"home.funds":           {"Các quỹ", "Funds"},
	"home.funds.asof":      {"Số liệu đến hết ngày", "Figures to the end of"},
	"home.no.units":        {"Chưa có đơn vị nào trong phạm vi của bạn.", "There is no unit in your scope yet."},
	"home.no.funds":        {"Chưa có quỹ nào trong phạm vi của bạn.", "There is no fund in your scope yet."},
	"home.more.units":      {"Còn nhiều đơn vị nữa; hãy mở một đơn vị để xem các đơn vị trực thuộc.", "There are more units; open a unit to see the units under it."},
	"home.more.funds":      {"Còn nhiều quỹ nữa; hãy mở một đơn vị để xem các quỹ của đơn vị đó.", "There are more funds; open a unit to see its funds."},
	"fund.open":            {"Xem quỹ", "Open the fund"},
	"unit.open":            {"Xem đơn vị", "Open the unit"},
	"balance":              {"Số dư", "Balance"},
	"loans.out":            {"Dư nợ cho vay", "Loans outstanding"},
	"capital":              {"Tổng nguồn vốn", "Capital"},
	"opening.balance":      {"Số dư đầu kỳ", "Opening balance"},
	"closing.balance":      {"Số dư cuối kỳ", "Closing balance"},
	"money.in":             {"Thu", "In"},
	"money.out":            {"Chi", "Out"},
	"persons":              {"người", "persons"},
	"times":                {"lượt", "times"},
	"persons.col":          {"Số người", "Persons"},
	"times.col":            {"Số lượt", "Times"},
	"helped":               {"Người được hỗ trợ", "People helped"},
	"helped.note":          {"Số người là số người khác nhau; số lượt là số lần hỗ trợ và cho vay. Không cộng hai số này với nhau.", "Persons are distinct people; times count each grant and loan. The two are never added together."},
	"fund":                 {"Quỹ", "Fund"},
	"opened.on":            {"Ngày thành lập", "Opened on"},
	"category":             {"Khoản mục", "Category"},
	"count":                {"Số giao dịch", "Transactions"},
	"amount":               {"Số tiền", "Amount"},
	"kind.social":          {"Quỹ Xã hội", "Social Fund"},
	"kind.shelter":         {"Quỹ Mái ấm Công đoàn", "Trade Union Shelter Fund"},
	"kind.charity":         {"Quỹ từ thiện", "Charity fund"},
	"kind.capital_support": {"Quỹ Trợ vốn CNLĐ nghèo", "Capital Support Fund for poor workers"},
	"kind.mutual_aid":      {"Quỹ tương trợ", "Mutual-aid fund"},

	// The figures of a period.
	"figures":            {"Số liệu theo khoản mục", "Figures by category"},
	"figures.caption":    {"Tổng số tiền và số giao dịch của từng khoản mục trong kỳ (đã trừ các giao dịch điều chỉnh)", "Amount and number of transactions of each category in the period (net of reversals)"},
	"cat.donations":      {"Tiền ủng hộ nhận được", "Donations received"},
	"cat.shelter":        {"Hỗ trợ Mái ấm Công đoàn", "Trade Union Shelter grants"},
	"cat.shelter.new":    {"xây mới", "new build"},
	"cat.shelter.repair": {"sửa chữa", "repair"},
	"cat.assistance":     {"Trợ cấp khó khăn (ốm đau, tai nạn, thiên tai, Tết…)", "Assistance grants (illness, accidents, disasters, Tết…)"},
	"cat.loans":          {"Cho vay", "Loans disbursed"},
	"cat.repayments":     {"Thu hồi nợ vay", "Loan repayments"},
	"cat.reversals":      {"Giao dịch điều chỉnh (đảo bút toán)", "Reversals (corrections)"},

	// The breakdown (API.md, "Officials' figures").
	"breakdown":          {"Số liệu hỗ trợ theo từng nội dung", "Help by kind of grant"},
	"breakdown.caption":  {"Số lượt, số người và số tiền của từng nội dung hỗ trợ và cho vay trong kỳ (đã trừ các giao dịch điều chỉnh)", "Times, persons and amount of each kind of grant and of loans in the period (net of reversals)"},
	"breakdown.pending":  {"Bảng này đang được tính lại sau khi hệ thống vừa khởi động: số người của từng nội dung cần vài giây để đếm. Mọi số liệu khác trên trang đã đầy đủ.", "This table is being counted again after the service has just started: the persons of each kind of grant take a few seconds to count. Every other figure on this page is complete."},
	"reload":             {"Tải lại trang", "Reload the page"},
	"breakdown.note":     {"Số người của mỗi dòng là số người khác nhau trong dòng đó; một người được hỗ trợ ở hai nội dung được tính ở cả hai dòng.", "Each line's persons are the distinct people of that line; one person helped on two lines counts on both."},
	"bd.new_build":       {"Mái ấm Công đoàn: xây mới", "Trade Union Shelter: new build"},
	"bd.repair":          {"Mái ấm Công đoàn: sửa chữa", "Trade Union Shelter: repair"},
	"bd.serious_illness": {"Trợ cấp ốm đau, bệnh hiểm nghèo", "Serious illness"},
	"bd.accident":        {"Trợ cấp tai nạn", "Accidents"},
	"bd.death":           {"Thăm hỏi, phúng viếng", "Deaths"},
	"bd.disaster":        {"Hỗ trợ thiên tai, hỏa hoạn", "Natural disasters and fires"},
	"bd.tet_gift":        {"Quà Tết", "Tết gifts"},
	"bd.scholarship":     {"Học bổng", "Scholarships"},
	"bd.hardship":        {"Hỗ trợ khó khăn đột xuất (như COVID-19)", "Sudden hardship (such as COVID-19)"},
	"bd.other":           {"Hỗ trợ khác", "Other assistance"},
	"bd.loans":           {"Cho vay vốn", "Loans"},

	// The period selector.
	"period":           {"Kỳ báo cáo", "Reporting period"},
	"period.all":       {"Từ đầu", "From the beginning"},
	"period.from":      {"Từ ngày", "From"},
	"period.to":        {"Đến ngày", "To"},
	"period.show":      {"Xem", "Show"},
	"period.years":     {"Theo năm", "By year"},
	"period.terms":     {"Theo nhiệm kỳ", "By term"},
	"period.custom":    {"Chọn khoảng thời gian", "Choose dates"},
	"period.shown":     {"Số liệu từ ngày %s đến hết ngày %s", "Figures from %s to the end of %s"},
	"period.shown.all": {"Số liệu từ đầu đến hết ngày %s", "Figures from the beginning to the end of %s"},
	"asof":             {"Số liệu đến hết ngày", "Figures as of the end of"},
	"asof.label":       {"Xem số liệu tại ngày", "Show the figures as of"},

	// A unit's page.
	"unit.title":         {"Báo cáo tổng hợp", "Roll-up report"},
	"unit.subtree":       {"Gồm đơn vị này và tất cả các đơn vị trực thuộc.", "This unit and every unit under it."},
	"unit.funds":         {"Các quỹ", "Funds"},
	"unit.funds.caption": {"Số liệu của từng quỹ trong kỳ", "Each fund's figures in the period"},
	"unit.children":      {"Đơn vị trực thuộc", "Units under it"},
	"unit.no.funds":      {"Đơn vị này và các đơn vị trực thuộc chưa có quỹ nào.", "Neither this unit nor any unit under it has a fund."},

	// A fund's page.
	"fund.title":   {"Tình hình quỹ", "Fund position"},
	"fund.of.unit": {"Thuộc đơn vị", "Belongs to"},
	"fund.since":   {"Từ khi thành lập đến hết ngày đã chọn", "From its opening to the end of the chosen date"},

	// A fund's statement (sổ quỹ).
	"statement.title":   {"Sổ quỹ", "Fund statement (cash book)"},
	"statement.link":    {"Xem sổ quỹ: từng khoản thu chi và số dư", "Open the cash book: every movement and the running balance"},
	"statement.intro":   {"Mọi khoản thu chi của quỹ trong kỳ, theo ngày, với số dư sau mỗi khoản. Không hiển thị người nhận, diễn giải hay số chứng từ.", "Every movement of the fund in the period, by date, with the balance after each. Recipients, descriptions and voucher numbers are not shown."},
	"statement.lines":   {"Các khoản thu chi", "Movements"},
	"statement.caption": {"Sổ quỹ từ ngày %s đến hết ngày %s", "Cash book from %s to the end of %s"},
	"statement.date":    {"Ngày", "Date"},
	"statement.type":    {"Loại", "Type"},
	"statement.balance": {"Tồn", "Balance"},
	"statement.pos":     {"Vị trí sổ cái", "Ledger position"},
	"statement.none":    {"Không có khoản thu chi nào trong kỳ.", "No money moved in the period."},
	"statement.more":    {"Trang này hiển thị %s khoản đầu tiên trong tổng số %s; tệp tải về có đầy đủ.", "This page shows the first %s of %s movements; the downloads hold them all."},
	"statement.files":   {"Tải về", "Download"},
	"statement.csv":     {"Tệp CSV (mở bằng bảng tính)", "CSV file (opens in a spreadsheet)"},
	"statement.xlsx":    {"Tệp Excel (XLSX)", "Excel file (XLSX)"},

	// The chart.
	"chart.title":      {"Thu và chi theo tháng", "Money in and out by month"},
	"chart.title.year": {"Thu và chi theo năm", "Money in and out by year"},
	"chart.desc":       {"Biểu đồ cột: mỗi tháng một cặp cột, cột xanh là tiền thu vào (ủng hộ, thu hồi nợ), cột đỏ là tiền chi ra (hỗ trợ, trợ cấp, cho vay). Số liệu đầy đủ ở bảng dưới đây.", "Bar chart: a pair of bars per month, green for money in (donations, repayments), red for money out (grants and loans). The figures are in the table below."},
	"chart.desc.year":  {"Biểu đồ cột: mỗi năm một cặp cột, cột xanh là tiền thu vào (ủng hộ, thu hồi nợ), cột đỏ là tiền chi ra (hỗ trợ, trợ cấp, cho vay). Số liệu đầy đủ ở bảng dưới đây.", "Bar chart: a pair of bars per year, green for money in (donations, repayments), red for money out (grants and loans). The figures are in the table below."},
	"chart.table":      {"Bảng số liệu của biểu đồ", "The chart's figures"},
	"chart.month":      {"Tháng", "Month"},
	"chart.year":       {"Năm", "Year"},
	"chart.empty":      {"Không có khoản thu chi nào trong kỳ.", "No money moved in the period."},

	// Errors.
	"error":                 {"Không thể hiển thị trang", "The page cannot be shown"},
	"error.back":            {"Về trang tổng quan", "Back to the overview"},
	"error.400":             {"Yêu cầu không hợp lệ", "Bad request"},
	"error.401":             {"Mã truy cập không đúng", "Wrong access token"},
	"error.403":             {"Không có quyền xem", "Not allowed"},
	"error.404":             {"Không tìm thấy", "Not found"},
	"error.500":             {"Lỗi hệ thống", "Internal error"},
	"error.503":             {"Hệ thống đang khởi động", "Starting up"},
	"err.unit.unknown":      {"Không có đơn vị %q.", "There is no unit %q."},
	"err.fund.unknown":      {"Không có quỹ %q.", "There is no fund %q."},
	"err.unit.scope":        {"Đơn vị %q nằm ngoài phạm vi được phép xem của mã truy cập này.", "The unit %q is outside this token's scope."},
	"err.fund.scope":        {"Quỹ %q thuộc đơn vị nằm ngoài phạm vi được phép xem của mã truy cập này.", "The fund %q belongs to a unit outside this token's scope."},
	"err.date":              {"Tham số %s phải là một ngày có thật, viết YYYY-MM-DD (ví dụ 2023-12-31).", "The parameter %s must be a real date written YYYY-MM-DD (e.g. 2023-12-31)."},
	"err.period":            {"Ngày bắt đầu (%s) sau ngày kết thúc (%s).", "The start date (%s) is after the end date (%s)."},
	"err.lang":              {"Ngôn ngữ %q không có; hãy dùng lang=vi hoặc lang=en.", "There is no language %q; use lang=vi or lang=en."},
	"err.param":             {"Trang này không nhận tham số %q.", "This page takes no parameter %q."},
	"err.param.twice":       {"Tham số %q chỉ được cho một lần.", "The parameter %q may be given only once."},
	"err.query":             {"Chuỗi tham số của địa chỉ không hợp lệ.", "The address's query string is malformed."},
	"err.id":                {"Mã quỹ %q không đúng dạng (một UUID).", "The fund id %q is not a UUID."},
	"err.unit.id":           {"Mã đơn vị %q không đúng dạng.", "The unit id %q is malformed."},
	"err.token":             {"Mã truy cập không đúng, đã bị thu hồi hoặc chưa được nhập. Hãy kiểm tra lại mã và thử lại.", "The token is unknown, revoked or empty. Check it and try again."},
	"err.form":              {"Biểu mẫu gửi lên không hợp lệ.", "The form sent is malformed."},
	"err.cross.origin":      {"Yêu cầu này đến từ một trang khác và đã bị từ chối.", "This request came from another site and was refused."},
	"err.format":            {"Định dạng %q không có; hãy dùng format=csv hoặc format=xlsx.", "There is no format %q; use format=csv or format=xlsx."},
	"err.statement.rows":    {"Sổ quỹ có %d dòng, nhiều hơn một bảng tính Excel chứa được; hãy tải tệp CSV hoặc chọn kỳ ngắn hơn.", "The statement has %d lines, more than an Excel sheet holds; download the CSV file or choose a shorter period."},
	"err.statement.opening": {"Ngày kết thúc (%s) trước ngày thành lập quỹ (%s).", "The end date (%s) is before the fund's opening day (%s)."},
	"err.internal":          {"Đã có lỗi; lỗi đã được ghi lại. Hãy thử lại sau.", "Something went wrong; it has been logged. Try again later."},
	"err.not.ready":         {"Hệ thống đang nạp lại sổ cái; hãy tải lại trang sau ít giây.", "The ledger is being loaded; reload the page in a few seconds."},
}

// message returns the catalogue's entry key in l, with args formatted into
// it. An unknown key is an error: every word comes from the catalogue.
func message(l Lang, key string, args ...any) (string, error) {
	t, ok := catalogue[key]
	if !ok {
		return "", fmt.Errorf("web: no catalogue entry %q", key)
	}
	if len(args) == 0 {
		return t.in(l), nil
	}
	return fmt.Sprintf(t.in(l), args...), nil
}

// The names of the money kinds ("type.<EventType>") are the table of money
// kinds' labels (domain/kinds.go), not restated here.
func init() {
	for _, spec := range domain.MoneyKinds() {
		catalogue["type."+string(spec.Type)] = text{spec.Label.Vi, spec.Label.En}
	}
}
